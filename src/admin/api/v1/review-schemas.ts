import { z } from 'zod';
import { DOCUMENT_TYPES } from '../../../pipeline/detect/document-types.js';

/** The review rules (src/pipeline/review/hold-rules.ts) as the API reads and writes them. */
export const holdRulesSchema = z
  .strictObject({
    documentTypes: z
      .array(z.enum(DOCUMENT_TYPES))
      .max(DOCUMENT_TYPES.length)
      .meta({ description: 'Document types held every time, e.g. ["reminder"]' }),
    afterSettingsChange: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .meta({ description: 'Hold this many messages after a change of the sender or content settings (0: off)' }),
    header: z.boolean().meta({ description: 'Hold a message the package marks `X-Postbode-Hold: yes`' }),
    expiry: z
      .strictObject({
        afterHours: z
          .number()
          .min(0.001)
          .max(24 * 90),
        action: z.enum(['release', 'cancel']),
      })
      .meta({ description: 'What happens to a hold nobody handled, this many hours after it began' }),
  })
  .meta({ id: 'ReviewRules' });
