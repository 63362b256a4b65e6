// @ts-check
import { ApiError } from './api.js';
import { t } from './i18n.js';

/**
 * An API failure in words. The API's own explanations (field reasons, conflict messages)
 * are shown as they come: they name the field and why, in the page's language.
 * @param {unknown} err
 * @returns {string}
 */
export function errorText(err) {
  if (err instanceof ApiError) {
    const body = err.body ?? {};
    if (err.status === 400 && body.fields && typeof body.fields === 'object') {
      const parts = Object.entries(body.fields).map(
        ([name, reasons]) => `${name.replace(/^body\./, '')}: ${[reasons].flat().join(', ')}`,
      );
      return `${t('err.fields')} ${parts.join('; ')}`;
    }
    if (err.status === 401) return t('err.401');
    if (err.status === 403) return t('err.403');
    if (err.status === 404) return t('err.404');
    if (err.status === 409) return `${t('err.409')} ${typeof body.message === 'string' ? body.message : ''}`.trim();
    if (err.status === 413) return t('err.413');
    if (err.status === 429) return t('err.429');
    return t('err.500');
  }
  return t('err.network');
}
