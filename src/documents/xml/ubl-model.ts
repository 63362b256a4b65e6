import type { EAllowanceCharge, EInvoice, ELine, EParty, ETaxSubtotal, ETotals } from './einvoice.js';
import { all, attr, first, text, type XmlNode } from './xml-tree.js';

/** UBL 2.1 Invoice / CreditNote (Peppol BIS Billing 3.0, EN 16931) → the shared e-invoice shape. */

function party(root: XmlNode, role: string): EParty {
  const p = first(root, role, 'Party');
  const endpoint = first(p, 'EndpointID');
  const value = text(endpoint);
  const scheme = attr(endpoint, 'schemeID');
  return {
    name: text(p, 'PartyLegalEntity', 'RegistrationName'),
    tradingName: text(p, 'PartyName', 'Name'),
    hasAddress: first(p, 'PostalAddress') !== undefined,
    country: text(p, 'PostalAddress', 'Country', 'IdentificationCode'),
    ...(value !== undefined ? { endpoint: { value, ...(scheme !== undefined ? { scheme } : {}) } } : {}),
  };
}

function lines(root: XmlNode): ELine[] {
  return [...all(root, 'InvoiceLine'), ...all(root, 'CreditNoteLine')].map((l) => ({
    id: text(l, 'ID'),
    net: text(l, 'LineExtensionAmount'),
    vatCategory: text(l, 'Item', 'ClassifiedTaxCategory', 'ID'),
  }));
}

function allowanceCharges(root: XmlNode): EAllowanceCharge[] {
  return all(root, 'AllowanceCharge').map((a) => ({
    charge: text(a, 'ChargeIndicator')?.toLowerCase() === 'true',
    amount: text(a, 'Amount'),
    vatCategory: text(a, 'TaxCategory', 'ID'),
  }));
}

/** The TaxTotal stated in the invoice currency (a second one may give the VAT in the accounting currency). */
function taxTotals(root: XmlNode, currency: string | undefined): XmlNode[] {
  const totals = all(root, 'TaxTotal');
  const inCurrency = totals.filter((t) => attr(first(t, 'TaxAmount'), 'currencyID') === currency);
  return inCurrency.length > 0 || currency !== undefined ? inCurrency : totals.slice(0, 1);
}

function subtotals(taxTotal: XmlNode | undefined): ETaxSubtotal[] {
  return all(taxTotal, 'TaxSubtotal').map((s) => ({
    taxable: text(s, 'TaxableAmount'),
    tax: text(s, 'TaxAmount'),
    category: text(s, 'TaxCategory', 'ID'),
    percent: text(s, 'TaxCategory', 'Percent'),
  }));
}

function totals(root: XmlNode, taxTotal: readonly XmlNode[]): ETotals {
  const m = first(root, 'LegalMonetaryTotal');
  return {
    lineExtension: text(m, 'LineExtensionAmount'),
    allowances: text(m, 'AllowanceTotalAmount'),
    charges: text(m, 'ChargeTotalAmount'),
    taxExclusive: text(m, 'TaxExclusiveAmount'),
    tax: text(taxTotal[0], 'TaxAmount'),
    taxTotalCount: taxTotal.length,
    taxInclusive: text(m, 'TaxInclusiveAmount'),
    prepaid: text(m, 'PrepaidAmount'),
    rounding: text(m, 'PayableRoundingAmount'),
    payable: text(m, 'PayableAmount'),
    payableCurrency: attr(first(m, 'PayableAmount'), 'currencyID'),
  };
}

function date(root: XmlNode, ...path: string[]): { raw: string } | undefined {
  const raw = text(root, ...path);
  return raw === undefined ? undefined : { raw };
}

export function ublModel(root: XmlNode, rootName: string): EInvoice {
  const currency = text(root, 'DocumentCurrencyCode');
  const taxTotal = taxTotals(root, currency);
  const means = all(root, 'PaymentMeans');
  return {
    syntax: 'ubl',
    root: rootName,
    specification: text(root, 'CustomizationID'),
    number: text(root, 'ID'),
    issueDate: date(root, 'IssueDate'),
    typeCode: text(root, 'InvoiceTypeCode') ?? text(root, 'CreditNoteTypeCode'),
    currency,
    dueDate: date(root, 'DueDate') ?? date(root, 'PaymentMeans', 'PaymentDueDate'),
    paymentTerms: text(root, 'PaymentTerms', 'Note'),
    seller: party(root, 'AccountingSupplierParty'),
    buyer: party(root, 'AccountingCustomerParty'),
    paymentMeans: means.map((p) => text(p, 'PaymentMeansCode') ?? ''),
    paymentReference: means.map((p) => text(p, 'PaymentID')).find((id) => id !== undefined),
    iban: text(root, 'PaymentMeans', 'PayeeFinancialAccount', 'ID'),
    lines: lines(root),
    allowanceCharges: allowanceCharges(root),
    taxSubtotals: subtotals(taxTotal.find((t) => first(t, 'TaxSubtotal') !== undefined)),
    totals: totals(root, taxTotal),
  };
}
