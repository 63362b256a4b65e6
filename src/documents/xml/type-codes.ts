/**
 * UNTDID 1001 document type codes as EN 16931 allows them (BR-CL-01): the credit note codes,
 * and the invoice codes (commercial 380, corrected 384, self-billed 389, prepayment 386, …).
 */

export const CREDIT_NOTE_TYPE_CODES: ReadonlySet<string> = new Set(
  '81 83 261 262 296 308 381 396 420 458 532'.split(' '),
);

export const INVOICE_TYPE_CODES: ReadonlySet<string> = new Set(
  (
    '71 80 81 82 84 102 130 202 203 204 211 218 219 295 325 326 331 380 382 383 384 385 386 387 388 389 390 ' +
    '393 394 395 456 457 471 472 473 500 501 502 503 527 553 575 623 633 751 780 817 870 875 876 877 935'
  ).split(' '),
);
