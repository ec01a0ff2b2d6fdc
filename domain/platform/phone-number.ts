// What LIO accepts as a phone number, wherever one is written (the API's
// lead, contact and user schemas, spreadsheet imports).

/**
 * Digits with the usual separators, an optional leading + and an optional
 * extension ("x", "ext" or "ext.", any case). Spelt without flags: the
 * OpenAPI document publishes its source as a JSON Schema `pattern`, which
 * has no place for a flag.
 */
export const PHONE_NUMBER_PATTERN = /^\+?[0-9][0-9 ().\-/]{3,28}[0-9](\s*([xX]|[eE][xX][tT]\.?)\s*[0-9]{1,6})?$/;

export const PHONE_NUMBER_RULE = 'digits, spaces, + ( ) . - /, optional extension';

/**
 * E.164, the form telephone networks dial and Twilio takes: a plus, a country
 * code and at most 15 digits in all, nothing else (where LIO buys or dials a
 * number; what people type is PHONE_NUMBER_PATTERN).
 */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
