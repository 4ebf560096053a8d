import assert from 'node:assert/strict';
import { featureCaps, pnsregSeconds, PNSREG_MARGIN_SECONDS, wantsPnsreg } from '../src/lib/feature-caps';
import { parseContacts } from '../src/lib/contact';

describe('Feature-Caps (RFC 6809) with the RFC 8599 indicators', () => {
  it('+sip.pns alone, or with +sip.pnsreg as a quoted integer', () => {
    assert.equal(featureCaps(['apns']), '*;+sip.pns="apns"');
    assert.equal(featureCaps(['fcm'], 130), '*;+sip.pns="fcm";+sip.pnsreg="130"');
  });

  it('+sip.pnsreg asks for the UA refresh before the binding-refresh push is due: min(refreshBefore, lifetime/2) + margin', () => {
    assert.equal(pnsregSeconds(3600, 120), 120 + PNSREG_MARGIN_SECONDS);
    assert.equal(pnsregSeconds(100, 120), 50 + PNSREG_MARGIN_SECONDS);
  });

  it('+sip.pnsreg never reaches the lifetime of the binding', () => {
    assert.equal(pnsregSeconds(10, 120), 10);
    assert.equal(pnsregSeconds(0, 120), 0);
  });

  it('reads the sip.pnsreg media feature tag from a Contact', () => {
    const c = parseContacts('<sip:a@127.0.0.1;pn-provider=fcm;pn-prid=x>;+sip.pnsreg;expires=60');
    assert.ok(c && !c.star);
    assert.equal(wantsPnsreg(c.contacts[0]), true);
    const d = parseContacts('<sip:a@127.0.0.1;pn-provider=fcm;pn-prid=x>;expires=60');
    assert.ok(d && !d.star);
    assert.equal(wantsPnsreg(d.contacts[0]), false);
  });
});
