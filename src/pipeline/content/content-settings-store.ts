import type { Database } from 'lmdb';
import type { Storage } from '../../store/storage.js';
import { lmdbDocuments, type OpenDocuments } from '../../store/tenant-documents.js';
import { GatewayError } from '../../core/gateway-error.js';
import type { ContentSettings } from './content-settings.js';
import type { LintWarning } from './spam-lint.js';
import type { HoldRequest } from '../../core/hold.js';
import type { DocumentNote } from '../documents/document-notes.js';

/**
 * Content settings per tenant (`content/content-settings`, on the engine `open` gives: this node's
 * LMDB or the shared PostgreSQL), read per message and never cached in the process, like the sender
 * settings store. The content stage's annotations are written by the queue (one of the pipeline's
 * effects); `annotation` reads the ones this store kept before that (`content/content-annotations`,
 * always this node's LMDB), still shown by GET /messages/:id.
 */
export interface StoredContentSettings {
  /**
   * The explicit switch of the content stage. Off (and for a tenant that never saved any
   * settings) the stored bytes go out untouched and are not even parsed.
   */
  readonly enabled: boolean;
  readonly settings: ContentSettings;
  readonly updatedAt: number;
}

/** What the content stage did with one message, for the message log. */
export interface ContentAnnotation {
  readonly documentType: string;
  readonly documentNumber?: string;
  readonly rule?: string;
  readonly language: string;
  /** What decided the language (choose-language.ts), e.g. `recipient`, `document-country`, `default`. */
  readonly languageSource?: string;
  readonly subjectFrom: 'template' | 'legacy';
  readonly bodyFrom: 'text' | 'legacy';
  /** The library text the body was made from (bodyFrom `text`). */
  readonly text?: string;
  /** What the package asked for per message but was not done (an unknown text name, language or type). */
  readonly notes?: readonly string[];
  /** Spam-lint warnings on the rendered subject and text (rule names and messages only). */
  readonly lint: readonly Pick<LintWarning, 'rule' | 'message'>[];
  /** The attachments read (only when something needed them), with failed rules and what could not be read. */
  readonly documents?: readonly DocumentNote[];
  /** Variables that had no value and no `|` text. */
  readonly missing?: readonly string[];
  /** The review hold the content settings asked for. */
  readonly hold?: HoldRequest;
  /** Set when rendering failed and the legacy message went out as it came. */
  readonly failed?: string;
  readonly at: number;
}

export interface ContentSettingsReader {
  /** The stored settings, or undefined for a tenant that never saved any (= everything off). */
  get(tenantId: string): StoredContentSettings | undefined;
  annotation(queueId: string): ContentAnnotation | undefined;
}

export interface ContentSettingsStore extends ContentSettingsReader {
  put(tenantId: string, value: StoredContentSettings): Promise<StoredContentSettings>;
  remove(tenantId: string): Promise<void>;
  /**
   * Tenants with stored settings (the tenant purge looks for deleted ones). Annotations are per message, not per
   * tenant.
   */
  tenantIds(): Iterable<string>;
  close(): Promise<void>;
}

export async function openContentSettingsStore(
  storage: Storage,
  open: OpenDocuments = lmdbDocuments(storage),
): Promise<ContentSettingsStore> {
  const settings = await open<StoredContentSettings>('content', 'content-settings');
  const root = storage.open('content');
  const notes: Database<ContentAnnotation, string> = root.openDB({ name: 'content-annotations', encoding: 'json' });
  return {
    get: (tenantId) => settings.get(tenantId),
    annotation: (queueId) => notes.get(queueId),
    async put(tenantId, value) {
      if (typeof value !== 'object' || value === null)
        throw new GatewayError('E_INVALID', 'content settings must be an object');
      await settings.put(tenantId, value);
      return value;
    },
    async remove(tenantId) {
      await settings.remove(tenantId);
    },
    tenantIds: () => settings.tenantIds(),
    async close() {
      await settings.close();
      await root.close();
    },
  };
}
