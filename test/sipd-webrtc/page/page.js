// The browser side of the WSS test: SIP.js registers over WSS and records every MESSAGE it gets.
// Bundled with esbuild by the driver; results are read from window.sipResult by Playwright.
/* global window, location, URLSearchParams */
import { Registerer, RegistererState, UserAgent } from 'sip.js';

const params = new URLSearchParams(location.search);
const result = { registered: false, contact: '', sockets: 0, messages: [], errors: [] };
window.sipResult = result;

// Count WebSocket connections the page opens: the MESSAGE must arrive on the only one.
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    result.sockets++;
  }
};

const ua = new UserAgent({
  uri: UserAgent.makeURI(`sip:${params.get('user')}@example.com`),
  transportOptions: { server: params.get('server') },
  logLevel: 'warn',
  delegate: {
    onMessage(message) {
      const req = message.request;
      result.messages.push({ body: req.body, ruri: req.ruri.toString(), via: req.getHeader('via'), from: req.from.uri.toString() });
      message.accept();
    },
  },
});

(async () => {
  try {
    await ua.start();
    const registerer = new Registerer(ua, { expires: 600 });
    registerer.stateChange.addListener((state) => {
      if (state === RegistererState.Registered) result.registered = true;
    });
    result.contact = ua.contact.uri.toString();
    await registerer.register();
  } catch (err) {
    result.errors.push(String(err));
  }
})();
