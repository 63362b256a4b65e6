/**
 * One shape for a UBL or CII e-invoice, holding the EN 16931 business terms (BT-…) the facts and
 * the validation need, as written in the document (strings, so the validator sees "12.345" and
 * not a rounded number). The UBL and CII mappings fill it; nothing downstream knows the syntax.
 */

export type EInvoiceSyntax = 'ubl' | 'cii';

export interface EDate {
  /** As written: "2026-03-31" (UBL) or "20260331" (CII). */
  readonly raw: string;
  /** CII's `format` attribute ("102" = CCYYMMDD); absent for UBL. */
  readonly format?: string;
}

export interface EParty {
  /** BT-27 / BT-44: the legal registration name. */
  readonly name?: string;
  /** BT-28 / BT-45: the trading name, when given. */
  readonly tradingName?: string;
  readonly hasAddress: boolean;
  /** BT-40 / BT-55. */
  readonly country?: string;
  /** BT-34 / BT-49, with its scheme. */
  readonly endpoint?: { readonly scheme?: string; readonly value: string };
}

export interface ELine {
  readonly id?: string;
  /** BT-131. */
  readonly net?: string;
  /** BT-151 (each line's VAT category code). */
  readonly vatCategory?: string;
}

export interface EAllowanceCharge {
  readonly charge: boolean;
  readonly amount?: string;
  readonly vatCategory?: string;
}

export interface ETaxSubtotal {
  /** BT-116, BT-117, BT-118, BT-119. */
  readonly taxable?: string;
  readonly tax?: string;
  readonly category?: string;
  readonly percent?: string;
}

export interface ETotals {
  /** BT-106, BT-107, BT-108, BT-109, BT-110, BT-112, BT-113, BT-114, BT-115. */
  readonly lineExtension?: string;
  readonly allowances?: string;
  readonly charges?: string;
  readonly taxExclusive?: string;
  /** The invoice total VAT in the invoice currency; `taxTotalCount` counts those given. */
  readonly tax?: string;
  readonly taxTotalCount: number;
  readonly taxInclusive?: string;
  readonly prepaid?: string;
  readonly rounding?: string;
  readonly payable?: string;
  /** The currency the payable amount is stated in (UBL `currencyID`; CII: the invoice currency). */
  readonly payableCurrency?: string;
}

export interface EInvoice {
  readonly syntax: EInvoiceSyntax;
  /** The UBL root element ("Invoice" / "CreditNote"); "CrossIndustryInvoice" for CII. */
  readonly root: string;
  /** BT-24. */
  readonly specification?: string;
  /** BT-1, BT-2, BT-3, BT-5, BT-9, BT-20. */
  readonly number?: string;
  readonly issueDate?: EDate;
  readonly typeCode?: string;
  readonly currency?: string;
  readonly dueDate?: EDate;
  readonly paymentTerms?: string;
  readonly seller: EParty;
  readonly buyer: EParty;
  /** BT-81 codes of every payment means; BT-83 remittance information; BT-84 the first account. */
  readonly paymentMeans: readonly string[];
  readonly paymentReference?: string;
  readonly iban?: string;
  readonly lines: readonly ELine[];
  readonly allowanceCharges: readonly EAllowanceCharge[];
  readonly taxSubtotals: readonly ETaxSubtotal[];
  readonly totals: ETotals;
}
