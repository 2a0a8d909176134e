import { describe, expect, it } from 'vitest';
import { isValidVin } from './vin.ts';

describe('isValidVin', () => {
  it.each(['1HGCM82633A004352', 'JH4KA7561PC008269', '11111111111111111'])(
    'accepts %s, whose check digit matches',
    (vin) => {
      expect(isValidVin(vin)).toBe(true);
    },
  );

  it('accepts X as the check digit when the sum leaves 10', () => {
    expect(isValidVin('1M8GDM9AXKP042788')).toBe(true);
    expect(isValidVin('1M8GDM9A0KP042788')).toBe(false);
  });

  it.each([
    ['1HGCM82634A004352', 'a wrong check digit'],
    ['1HGCM82633A004353', 'a changed serial number'],
    ['2HGCM82633A004352', 'a changed manufacturer code'],
    ['JH4KA7561PC008268', 'a changed last character'],
  ])('refuses %s (%s)', (vin) => {
    expect(isValidVin(vin)).toBe(false);
  });

  it('refuses the letters a VIN never holds (I, O, Q) in a 17-character VIN', () => {
    expect(isValidVin('1HGCM82633A00435I')).toBe(false);
    expect(isValidVin('1HGCM82633A0O4352')).toBe(false);
    expect(isValidVin('QHGCM82633A004352')).toBe(false);
  });

  it('lets shorter chassis numbers through: they carry no check digit', () => {
    expect(isValidVin('NZE1213123456')).toBe(true);
    expect(isValidVin('AB12345')).toBe(true);
    expect(isValidVin('1HGCM82634A00435')).toBe(true);
  });
});
