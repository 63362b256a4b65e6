/**
 * What Postbode reads from a message's attachments: the shared vocabulary of the document
 * readers (XML e-invoices, PDF text layers) and of the pipeline that uses their facts.
 * Readers are pure (bytes in, data out, bounded work); they never throw on a hostile file but
 * return a `DocumentReading` whose `problems` say what went wrong.
 */

/** What an attachment turned out to be, judged by its bytes, never by its file name. */
export type DocumentFormat =
  | 'ubl-invoice'
  | 'ubl-credit-note'
  | 'cii'
  | 'factur-x'
  | 'pdf-text'
  | 'pdf-scan'
  | 'pdf-unreadable'
  | 'xml-other'
  | 'unknown';

/** Invoice or credit note, from the UBL root element, `InvoiceTypeCode` 380/381/… or CII `TypeCode`. */
export type DocumentKind = 'invoice' | 'credit-note';

/** Where a fact came from: structured XML always wins over the PDF's text layer. */
export type FactSource = 'xml' | 'pdf-text';

export interface Fact<T> {
  readonly value: T;
  readonly source: FactSource;
  /** 1 for structured XML; below 1 for a labelled pattern in a PDF's text (how it is judged: docs/e-invoice.md). */
  readonly confidence: number;
}

export interface Money {
  /** Decimal string as written in the document, normalised to a dot separator: "1234.56". */
  readonly amount: string;
  /** ISO 4217 code, e.g. "EUR". */
  readonly currency: string;
}

export interface DocumentFacts {
  readonly kind?: Fact<DocumentKind>;
  /** The raw type code when there was one: "380", "381", "384", … */
  readonly typeCode?: Fact<string>;
  readonly number?: Fact<string>;
  /** ISO dates, "2026-03-31". */
  readonly issueDate?: Fact<string>;
  readonly dueDate?: Fact<string>;
  readonly payable?: Fact<Money>;
  readonly sellerName?: Fact<string>;
  readonly buyerName?: Fact<string>;
  /** ISO 3166-1 alpha-2, e.g. "BE". */
  readonly buyerCountry?: Fact<string>;
  /** As written; `+++123/4567/89012+++` (Belgian structured, mod-97 checked) or `RF18…` (ISO 11649) when valid. */
  readonly paymentReference?: Fact<string>;
  readonly iban?: Fact<string>;
  /** The document's own language when a reader could tell (ISO 639-1), e.g. from the text layer. */
  readonly language?: Fact<string>;
  /** Buyer's and seller's electronic addresses (Peppol ids "0208:0123456789"), when given. */
  readonly buyerEndpoint?: Fact<string>;
  readonly sellerEndpoint?: Fact<string>;
}

/** One failed business rule, in plain words for the message log and the preview. */
export interface RuleFailure {
  /** The EN 16931 / Peppol rule id, e.g. "BR-CO-15", or our own id for a rule we added. */
  readonly rule: string;
  readonly message: string;
}

/** One attachment as read. */
export interface DocumentReading {
  /** The attachment's file name, for the log only. */
  readonly filename?: string;
  readonly format: DocumentFormat;
  readonly facts: DocumentFacts;
  /** The structured XML bytes: the attachment itself (UBL, CII) or what a Factur-X PDF embeds. */
  readonly xml?: Buffer;
  /** Set for XML e-invoices after validation; empty when every covered rule passed. */
  readonly validation?: readonly RuleFailure[];
  /** Why reading stopped or what was skipped (hostile, encrypted, too large, timed out), for the log. */
  readonly problems: readonly string[];
}
