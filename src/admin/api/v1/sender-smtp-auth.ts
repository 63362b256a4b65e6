import { z } from 'zod';
import { OAUTH_PROVIDERS } from '../../../core/access-token.js';
import type { TenantSmtpSettings } from '../../../tenants/sender-settings.js';
import { invalidRequest, type FieldErrors } from './api-errors.js';
import { mailAddress } from './fields.js';

/**
 * How the gateway logs in to a tenant's own SMTP server: with the saved password, or by AUTH
 * XOAUTH2 with a token of the tenant's linked account (Google through the Gmail link, Microsoft
 * 365 through its link): what Exchange Online needs now that it retires password login.
 */
export const smtpAuthFields = {
  authentication: z
    .enum(['password', 'oauth2'])
    .default('password')
    .meta({
      description:
        'password = the saved password (AUTH PLAIN/LOGIN); oauth2 = AUTH XOAUTH2 as `user` (the mailbox address) ' +
        "with a token of the tenant's linked account at `oauthProvider`",
    }),
  oauthProvider: z
    .enum(OAUTH_PROVIDERS)
    .optional()
    .meta({
      description:
        'With authentication oauth2: google (the Gmail link, linked with SMTP access) or microsoft (the Microsoft ' +
        '365 link)',
    }),
};

export const smtpAuthView = {
  authentication: z.enum(['password', 'oauth2']),
  oauthProvider: z.enum(OAUTH_PROVIDERS).optional(),
};

interface SmtpAuthInput {
  readonly authentication: 'password' | 'oauth2';
  readonly oauthProvider?: (typeof OAUTH_PROVIDERS)[number] | undefined;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
}

/** The combinations each field alone cannot refuse: `body.smtp.<field>` errors. */
export function checkSmtpAuth(input: SmtpAuthInput | null | undefined): void {
  if (!input) return;
  const fields: FieldErrors = {};
  if (input.authentication === 'password') {
    if (input.oauthProvider !== undefined) fields['body.smtp.oauthProvider'] = ['only with authentication oauth2'];
  } else {
    if (input.oauthProvider === undefined) fields['body.smtp.oauthProvider'] = ['required with authentication oauth2'];
    if (input.user === undefined || !mailAddress.safeParse(input.user).success)
      fields['body.smtp.user'] = ['with authentication oauth2: the mailbox address of the linked account'];
    if (input.password !== undefined) fields['body.smtp.password'] = ['not used with authentication oauth2'];
  }
  if (Object.keys(fields).length > 0) throw invalidRequest(fields);
}

/** The view's two fields for stored settings. */
export function smtpAuthOf(smtp: TenantSmtpSettings): z.infer<z.ZodObject<typeof smtpAuthView>> {
  return smtp.oauth2
    ? { authentication: 'oauth2', oauthProvider: smtp.oauth2.provider }
    : { authentication: 'password' };
}
