import type { DocumentReading } from '../facts.js';

/**
 * Reads an XML attachment: a UBL invoice or credit note, a CII invoice, or other XML.
 * Placeholder until the XML reader lands: everything is "other XML" without facts.
 */
export function readXmlDocument(_xml: Buffer, filename?: string): DocumentReading {
  return { ...(filename !== undefined ? { filename } : {}), format: 'xml-other', facts: {}, problems: [] };
}
