// The softphone page: sign-in, registration status, dialling, the incoming and call screens,
// errors and the call log, wired to the API client and the SIP phone. The element names
// (data-testid) are the contract in apps/web/README.md.
import { ApiClient, ApiError, NetworkError, deviceId, type ClientConfig } from './api';
import type { Call } from './call';
import { formatTimer, targetUri, type CallError } from './call-state';
import { Phone, type RegState } from './phone';
import { Slot, buildKeypad, byId, byTestId, renderCallLog } from './views';

declare global {
  interface Window {
    openlineDebug: { peerConnection(): RTCPeerConnection | undefined; state(): string };
  }
}

const api = new ApiClient();
const relayOnly = new URLSearchParams(location.search).get('relay') === '1';
let config: ClientConfig | undefined;
let phone: Phone | undefined;
let call: Call | undefined;
/** The ended call's screen stays up (data-state="ended") until closed or the next call. */
let callOnScreen = false;
let timer: ReturnType<typeof setInterval> | undefined;

const ui = {
  signin: byId('signin'),
  phone: byId('phone'),
  account: byId('account'),
  me: byId('me'),
  form: byTestId<HTMLFormElement>('signin-form'),
  user: byTestId<HTMLInputElement>('signin-user'),
  password: byTestId<HTMLInputElement>('signin-password'),
  submit: byTestId<HTMLButtonElement>('signin-submit'),
  signinError: new Slot(byTestId('signin-error')),
  reg: byTestId('reg-status'),
  incoming: new Slot(byTestId('incoming')),
  incomingFrom: byTestId('incoming-from'),
  incomingKind: byId('incoming-kind'),
  screen: new Slot(byTestId('call-screen')),
  peer: byTestId('call-peer'),
  callLabel: byId('call-label'),
  stateText: byId('call-state-text'),
  timer: byTestId('call-timer'),
  mute: byTestId<HTMLButtonElement>('mute'),
  hold: byTestId<HTMLButtonElement>('hold'),
  remoteVideo: byTestId<HTMLVideoElement>('remote-video'),
  localVideo: byTestId<HTMLVideoElement>('local-video'),
  callError: new Slot(byTestId('call-error')),
  idle: new Slot(byTestId('idle')),
  dialForm: byId<HTMLFormElement>('dial-form'),
  dialInput: byTestId<HTMLInputElement>('dial-input'),
  log: byTestId('call-log'),
};

const STATE_TEXT: Record<string, string> = {
  calling: 'Calling…', ringing: 'Ringing…', established: 'Connected', held: 'On hold', ended: 'Call ended',
};

function showSigninError(text: string | undefined): void {
  ui.signinError.el.textContent = text ?? '';
  ui.signinError.el.hidden = !text;
  ui.signinError.show(Boolean(text));
}

function showCallError(err: CallError | undefined): void {
  if (err) {
    ui.callError.el.dataset.reason = err.reason;
    ui.callError.el.textContent = err.text;
  }
  ui.callError.show(Boolean(err));
}

function setRegistration(state: RegState, text: string): void {
  ui.reg.dataset.state = state;
  ui.reg.textContent = text;
}

function signinMessage(err: unknown): string {
  if (err instanceof NetworkError) return 'Server unreachable: check your connection and try again';
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Wrong username or password';
    if (err.status === 429) return 'Too many attempts: wait a moment and try again';
    if (err.status === 403) return `Sign-in refused: ${err.message}`;
    return `Sign-in failed: ${err.message}`;
  }
  return `Sign-in failed: ${(err as Error).message}`;
}

async function refreshLog(): Promise<void> {
  if (!api.signedIn) return;
  try {
    renderCallLog(ui.log, await api.callLog());
  } catch {
    // keeps the last list; the refresh button tries again
  }
}

function attachMedia(c: Call): void {
  const sdh = c.sdh;
  if (!sdh) return;
  ui.remoteVideo.srcObject = sdh.remoteMediaStream;
  ui.localVideo.srcObject = c.video ? sdh.localMediaStream : null;
  void ui.remoteVideo.play().catch(() => undefined);
}

function tick(): void {
  ui.timer.textContent = formatTimer(call?.answeredAt !== undefined ? Date.now() - call.answeredAt : 0);
}

function render(): void {
  const c = call;
  const state = c?.state;
  const active = c !== undefined && !c.ended;
  ui.incoming.show(state === 'incoming');
  if (c && state === 'incoming') {
    ui.incomingFrom.textContent = c.peer;
    ui.incomingKind.textContent = c.video ? 'video call' : 'call';
  }
  if (active && state !== 'incoming') callOnScreen = true;
  ui.screen.show(callOnScreen);
  if (c && callOnScreen && state !== 'incoming') {
    ui.screen.el.dataset.state = state;
    ui.screen.el.dataset.video = String(c.video);
    ui.peer.textContent = c.peer;
    ui.callLabel.textContent = c.direction === 'out' ? 'Call to' : 'Call from';
    ui.stateText.textContent = state === 'established' && c.remoteHeld ? `${c.peer} put you on hold` : STATE_TEXT[state ?? 'ended'] ?? '';
    ui.mute.setAttribute('aria-pressed', String(c.muted));
    ui.mute.textContent = c.muted ? 'Unmute' : 'Mute';
    ui.hold.setAttribute('aria-pressed', String(c.held));
    ui.hold.textContent = c.held ? 'Resume' : 'Hold';
  }
  ui.idle.show(!active);
  showCallError(c?.error);
  tick();
}

function onCallChange(c: Call): void {
  if (c !== call) return;
  if (c.state === 'established' || c.state === 'held') {
    attachMedia(c);
    timer ??= setInterval(tick, 500);
  }
  if (c.ended) {
    if (timer) clearInterval(timer);
    timer = undefined;
    ui.remoteVideo.srcObject = null;
    ui.localVideo.srcObject = null;
    // The B2BUA writes the CDR as the call is torn down: read the log once it is there.
    setTimeout(() => void refreshLog(), 1000);
    setTimeout(() => void refreshLog(), 4000);
  }
  render();
}

function adopt(c: Call): void {
  call = c;
  callOnScreen = false;
  c.onChange(onCallChange);
  render();
}

async function dial(video: boolean): Promise<void> {
  if (!phone || !config || (call && !call.ended)) return;
  const target = targetUri(ui.dialInput.value, config.sipDomain);
  const uri = target ? phone.targetUri(target) : undefined;
  if (!uri) {
    call = undefined;
    callOnScreen = false;
    render();
    showCallError({ reason: 'failed', text: 'Enter a username, number or SIP address to call' });
    return;
  }
  await phone.call(uri, video, adopt);
}

async function signIn(): Promise<void> {
  showSigninError(undefined);
  ui.submit.disabled = true;
  try {
    config = await api.clientConfig();
    const { sip, username } = await api.signIn(ui.user.value.trim(), ui.password.value);
    ui.password.value = '';
    ui.me.textContent = username;
    ui.signin.hidden = true;
    ui.phone.hidden = false;
    ui.account.hidden = false;
    call = undefined;
    callOnScreen = false;
    render();
    phone = new Phone(
      { wssUrl: config.wssUrl, sip, instanceId: deviceId(), relayOnly, turn: () => api.turnCredentials() },
      { registration: setRegistration, incoming: adopt },
    );
    void refreshLog();
    await phone.start();
  } catch (err) {
    showSigninError(signinMessage(err));
  } finally {
    ui.submit.disabled = false;
  }
}

async function signOut(): Promise<void> {
  const p = phone;
  phone = undefined;
  call = undefined;
  callOnScreen = false;
  setRegistration('unregistered', 'Not registered');
  ui.phone.hidden = true;
  ui.account.hidden = true;
  ui.signin.hidden = false;
  ui.log.replaceChildren();
  render();
  // Unregister and end the session on the server; the screen does not wait for it.
  await p?.stop();
  await api.signOut();
}

function wire(): void {
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn();
  });
  byTestId('signout').addEventListener('click', () => void signOut());
  ui.dialForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void dial(false);
  });
  byTestId('dial-video').addEventListener('click', () => void dial(true));
  buildKeypad(byTestId('dialpad'), 'dialpad', (k) => {
    ui.dialInput.value += k;
  });
  buildKeypad(byId('dtmf-keypad'), 'dtmf', (k) => void call?.sendDtmf(k));
  byTestId('answer').addEventListener('click', () => void call?.answer(false));
  byTestId('answer-video').addEventListener('click', () => void call?.answer(true));
  byTestId('decline').addEventListener('click', () => void call?.decline());
  byTestId('hangup').addEventListener('click', () => void call?.hangup());
  ui.mute.addEventListener('click', () => call?.setMute(!call.muted));
  ui.hold.addEventListener('click', () => void call?.setHold(!call.held));
  byId('call-close').addEventListener('click', () => {
    callOnScreen = false;
    render();
  });
  byTestId('call-log-refresh').addEventListener('click', () => void refreshLog());
  window.addEventListener('pagehide', () => void phone?.stop());
}

window.openlineDebug = {
  peerConnection: () => call?.peerConnection,
  state: () => (!phone ? 'signed-out' : call ? call.state : 'idle'),
};

wire();
ui.phone.hidden = true;
showSigninError(undefined);
render();
