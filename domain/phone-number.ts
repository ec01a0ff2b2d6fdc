// What LIO accepts as a phone number, wherever one is written (the API's
// lead, contact and user schemas, spreadsheet imports).

/** Digits with the usual separators, an optional leading + and an optional extension. */
export const PHONE_NUMBER_PATTERN = /^\+?[0-9][0-9 ().\-/]{3,28}[0-9](\s*(x|ext\.?)\s*[0-9]{1,6})?$/i;

export const PHONE_NUMBER_RULE = 'digits, spaces, + ( ) . - /, optional extension';
