// Vite plugin: the CJK web font (@fontsource/noto-sans-sc, weight 400) ships as WOFF2 only. Fontsource's
// CSS lists a WOFF fallback beside each WOFF2 slice; every browser the console supports reads WOFF2, so
// the fallbacks would only double the build. The font is split by unicode-range into ~100 slices, and a
// browser downloads just the slices of the characters on screen (typically a few hundred kB).
import type { Plugin } from 'vite';

export function woff2OnlyPlugin(): Plugin {
  return {
    name: 'woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!/@fontsource[\\/].*\.css$/.test(id)) return undefined;
      return { code: code.replace(/,\s*url\([^)]*\.woff\)\s*format\(['"]woff['"]\)/g, ''), map: null };
    },
  };
}
