// Vehicle identification number per ISO 3779 / GB 16735: 17 characters, no I, O or Q,
// check digit in position 9 (weighted sum of transliterated characters modulo 11, 10 → "X").

const TRANSLITERATION: Readonly<Record<string, number>> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9,
};
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2] as const;
export const VIN_PATTERN = '^[A-HJ-NPR-Z0-9]{17}$';
const VIN_SHAPE = new RegExp(VIN_PATTERN);

function charValue(ch: string): number {
  const digit = ch.charCodeAt(0) - 48;
  if (digit >= 0 && digit <= 9) return digit;
  const value = TRANSLITERATION[ch];
  if (value === undefined) throw new Error(`character ${ch} is not allowed in a VIN`);
  return value;
}

/** The check character for a 17-character VIN (position 9 is ignored in the sum: its weight is 0). */
export function vinCheckDigit(vin: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += charValue(vin[i]!) * WEIGHTS[i]!;
  const remainder = sum % 11;
  return remainder === 10 ? 'X' : String(remainder);
}

export function isValidVin(vin: string): boolean {
  return VIN_SHAPE.test(vin) && vin[8] === vinCheckDigit(vin);
}

/** Returns the VIN with its check digit set; input must already be 17 allowed characters. */
export function withCheckDigit(vin17: string): string {
  if (!VIN_SHAPE.test(vin17)) throw new Error(`"${vin17}" is not 17 VIN characters`);
  return vin17.slice(0, 8) + vinCheckDigit(vin17) + vin17.slice(9);
}
