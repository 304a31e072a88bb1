// Chinese licence plates as people type them: "沪A·12345", "沪a 12345" and "沪A12345" are one plate.

/** Upper case without spaces, dots, dashes or middle dots: "沪a·12345" → "沪A12345". */
export function normalisePlate(text: string): string {
  return text.toUpperCase().replace(/[\s.\-·•_]/g, '');
}
