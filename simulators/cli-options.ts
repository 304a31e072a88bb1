// Validation of command-line options of the simulator entry files: a bad value is one clear line.

export class CliOptionError extends Error {
  override readonly name = 'CliOptionError';
}

export function intOption(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text.trim())) throw new CliOptionError(`${name} must be an integer (got "${text}")`);
  const value = Number(text);
  if (value < min || value > max) throw new CliOptionError(`${name} must be between ${min} and ${max} (got ${value})`);
  return value;
}

export function numberOption(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new CliOptionError(`${name} must be a number (got "${text}")`);
  if (value < min || value > max) throw new CliOptionError(`${name} must be between ${min} and ${max} (got ${value})`);
  return value;
}
