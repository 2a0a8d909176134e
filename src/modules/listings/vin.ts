/** ISO 3779 / 49 CFR 565: what each VIN character counts for in the check digit. */
const LETTER_VALUES: Record<string, number> = {
  A: 1,
  B: 2,
  C: 3,
  D: 4,
  E: 5,
  F: 6,
  G: 7,
  H: 8,
  J: 1,
  K: 2,
  L: 3,
  M: 4,
  N: 5,
  P: 7,
  R: 9,
  S: 2,
  T: 3,
  U: 4,
  V: 5,
  W: 6,
  X: 7,
  Y: 8,
  Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/**
 * A 17-character VIN's 9th character is a check digit over the others (X for 10). Shorter
 * chassis numbers (older vehicles, some imports) carry none, so they pass as they are.
 */
export function isValidVin(vin: string): boolean {
  if (vin.length !== 17) return true;
  let sum = 0;
  for (const [i, char] of [...vin].entries()) {
    const value = /\d/.test(char) ? Number(char) : LETTER_VALUES[char];
    if (value === undefined) return false;
    sum += value * (WEIGHTS[i] ?? 0);
  }
  const check = sum % 11;
  return vin[8] === (check === 10 ? 'X' : String(check));
}
