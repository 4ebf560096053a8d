import * as assert from 'node:assert/strict';
import { DataError } from '../src/errors';
import { checkCidr, checkCountry, checkE164, checkPrefix } from '../src/validate';

describe('validation', () => {
  it('accepts E.164 numbers and refuses anything else', () => {
    assert.equal(checkE164('+14155550100'), '+14155550100');
    for (const bad of ['14155550100', '+0123', '+1234567890123456', '+1 415', '']) {
      assert.throws(() => checkE164(bad), (e: unknown) => e instanceof DataError && e.kind === 'invalid' && /not E\.164/.test(e.message));
    }
  });

  it('accepts IPv4 and IPv6 CIDRs and refuses bad ones', () => {
    assert.equal(checkCidr('192.0.2.0/24'), '192.0.2.0/24');
    assert.equal(checkCidr('2001:DB8::/32'), '2001:db8::/32');
    for (const bad of ['192.0.2.0', '192.0.2.0/33', '300.1.1.1/8', 'host/24', '::/129']) {
      assert.throws(() => checkCidr(bad), /not a CIDR network/);
    }
  });

  it('normalises country codes and checks dial-plan prefixes', () => {
    assert.equal(checkCountry('us'), 'US');
    assert.throws(() => checkCountry('USA'), /ISO 3166-1 alpha-2/);
    assert.equal(checkPrefix('+44'), '+44');
    assert.throws(() => checkPrefix('44x'), /digits/);
  });
});
