import type { EAllowanceCharge, EDate, EInvoice, ELine, EParty, ETaxSubtotal, ETotals } from './einvoice.js';
import { all, attr, first, text, type XmlNode } from './xml-tree.js';

/** UN/CEFACT CII D16B CrossIndustryInvoice (XRechnung, Factur-X / ZUGFeRD XML) → the shared e-invoice shape. */

function party(agreement: XmlNode | undefined, role: string): EParty {
  const p = first(agreement, role);
  const endpoint = first(p, 'URIUniversalCommunication', 'URIID');
  const value = text(endpoint);
  const scheme = attr(endpoint, 'schemeID');
  return {
    name: text(p, 'Name'),
    tradingName: text(p, 'SpecifiedLegalOrganization', 'TradingBusinessName'),
    hasAddress: first(p, 'PostalTradeAddress') !== undefined,
    country: text(p, 'PostalTradeAddress', 'CountryID'),
    ...(value !== undefined ? { endpoint: { value, ...(scheme !== undefined ? { scheme } : {}) } } : {}),
  };
}

function lines(tx: XmlNode | undefined): ELine[] {
  return all(tx, 'IncludedSupplyChainTradeLineItem').map((l) => ({
    id: text(l, 'AssociatedDocumentLineDocument', 'LineID'),
    net: text(l, 'SpecifiedLineTradeSettlement', 'SpecifiedTradeSettlementLineMonetarySummation', 'LineTotalAmount'),
    vatCategory: text(l, 'SpecifiedLineTradeSettlement', 'ApplicableTradeTax', 'CategoryCode'),
  }));
}

function allowanceCharges(settlement: XmlNode | undefined): EAllowanceCharge[] {
  return all(settlement, 'SpecifiedTradeAllowanceCharge').map((a) => ({
    charge: text(a, 'ChargeIndicator', 'Indicator')?.toLowerCase() === 'true',
    amount: text(a, 'ActualAmount'),
    vatCategory: text(a, 'CategoryTradeTax', 'CategoryCode'),
  }));
}

function subtotals(settlement: XmlNode | undefined): ETaxSubtotal[] {
  return all(settlement, 'ApplicableTradeTax').map((t) => ({
    taxable: text(t, 'BasisAmount'),
    tax: text(t, 'CalculatedAmount'),
    category: text(t, 'CategoryCode'),
    percent: text(t, 'RateApplicablePercent'),
  }));
}

function totals(settlement: XmlNode | undefined, currency: string | undefined): ETotals {
  const m = first(settlement, 'SpecifiedTradeSettlementHeaderMonetarySummation');
  const taxes = all(m, 'TaxTotalAmount');
  const inCurrency = taxes.filter((t) => currency === undefined || attr(t, 'currencyID') === currency);
  return {
    lineExtension: text(m, 'LineTotalAmount'),
    allowances: text(m, 'AllowanceTotalAmount'),
    charges: text(m, 'ChargeTotalAmount'),
    taxExclusive: text(m, 'TaxBasisTotalAmount'),
    tax: text(inCurrency[0]),
    taxTotalCount: inCurrency.length,
    taxInclusive: text(m, 'GrandTotalAmount'),
    prepaid: text(m, 'TotalPrepaidAmount'),
    rounding: text(m, 'RoundingAmount'),
    payable: text(m, 'DuePayableAmount'),
    payableCurrency: currency,
  };
}

function date(node: XmlNode | undefined, ...path: string[]): EDate | undefined {
  const at = first(node, ...path, 'DateTimeString');
  const raw = text(at);
  if (raw === undefined) return undefined;
  const format = attr(at, 'format');
  return format === undefined ? { raw } : { raw, format };
}

export function ciiModel(root: XmlNode): EInvoice {
  const doc = first(root, 'ExchangedDocument');
  const tx = first(root, 'SupplyChainTradeTransaction');
  const agreement = first(tx, 'ApplicableHeaderTradeAgreement');
  const settlement = first(tx, 'ApplicableHeaderTradeSettlement');
  const currency = text(settlement, 'InvoiceCurrencyCode');
  const means = all(settlement, 'SpecifiedTradeSettlementPaymentMeans');
  return {
    syntax: 'cii',
    root: 'CrossIndustryInvoice',
    specification: text(root, 'ExchangedDocumentContext', 'GuidelineSpecifiedDocumentContextParameter', 'ID'),
    number: text(doc, 'ID'),
    issueDate: date(doc, 'IssueDateTime'),
    typeCode: text(doc, 'TypeCode'),
    currency,
    dueDate: date(settlement, 'SpecifiedTradePaymentTerms', 'DueDateDateTime'),
    paymentTerms: text(settlement, 'SpecifiedTradePaymentTerms', 'Description'),
    seller: party(agreement, 'SellerTradeParty'),
    buyer: party(agreement, 'BuyerTradeParty'),
    paymentMeans: means.map((p) => text(p, 'TypeCode') ?? ''),
    paymentReference: text(settlement, 'PaymentReference'),
    iban: text(settlement, 'SpecifiedTradeSettlementPaymentMeans', 'PayeePartyCreditorFinancialAccount', 'IBANID'),
    lines: lines(tx),
    allowanceCharges: allowanceCharges(settlement),
    taxSubtotals: subtotals(settlement),
    totals: totals(settlement, currency),
  };
}
