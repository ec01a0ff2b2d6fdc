// The tracked email's HTML: the mail rules' sanitising first, then links
// rewritten — what the second pass allows can only be what the first kept.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { instrumentHtml, readClickToken } from '../../domain/engagement/email-tracking.js';
import { createTokenSigner } from '../../domain/platform/signed-token.js';

const links = { tokens: createTokenSigner(randomBytes(32)), publicBaseUrl: 'https://lio.example.test/' };

describe('instrumentHtml', () => {
  it('keeps no script, style or event handler from the body, and tracks its links', () => {
    const html = instrumentHtml(
      '<p onclick="steal()">Hi</p><script>alert(1)</script><style>p{}</style><a href="https://www.example.com/pricing">pricing</a><a href="javascript:alert(2)">x</a>',
      links,
      7,
      { orgId: 3, address: 'Jane@Example.com' },
    );
    expect(html).not.toMatch(/<script|<style|onclick|javascript:/i);
    const click = html.match(/href="https:\/\/lio\.example\.test\/api\/v1\/track\/click\/([^"]+)"/);
    expect(click).not.toBeNull();
    expect(readClickToken(links.tokens, click![1]!)).toEqual({ e: 7, u: 'https://www.example.com/pricing' });
    expect(html).toContain('/api/v1/track/unsubscribe/');
    expect(html).toMatch(/<img src="https:\/\/lio\.example\.test\/api\/v1\/track\/open\/[^"]+" width="1" height="1" alt="" \/>$/);
  });
});
