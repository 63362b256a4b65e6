import { describe, expect, it } from 'vitest';
import { autoReplyReason } from '../../src/feedback/auto-reply.js';

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name] });

describe('autoReplyReason', () => {
  it('recognises Auto-Submitted, X-Autoreply, Precedence and out-of-office subjects', () => {
    expect(autoReplyReason(headers({ 'auto-submitted': 'auto-replied' }))).toMatch(/Auto-Submitted/);
    expect(autoReplyReason(headers({ 'x-autoreply': 'yes' }))).toBe('x-autoreply');
    expect(autoReplyReason(headers({ precedence: 'auto_reply' }))).toMatch(/Precedence/);
    for (const subject of [
      'Out of Office: Factuur',
      'Automatisch antwoord: Factuur',
      'Abwesenheitsnotiz: Rechnung',
      'Réponse automatique : facture',
    ]) {
      expect(autoReplyReason(headers({ subject }))).toBe('out-of-office subject');
    }
  });

  it("leaves a person's reply alone", () => {
    expect(
      autoReplyReason(headers({ 'auto-submitted': 'no', subject: 'Re: Factuur 2024-0012', precedence: 'bulk' })),
    ).toBeUndefined();
  });
});
