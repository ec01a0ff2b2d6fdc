// The calendar connectors the composition root builds once (services.calendar):
// a connector per connected account, from that account's tokens, with the
// operator's Google and Microsoft settings.
import type { Egress } from '../egress.js';
import type { CalendarConnector, CalendarConnectorHooks, CalendarProviderKind, CalendarTokens } from './calendar-connector.js';
import { createGoogleCalendarConnector } from './google-calendar.connector.js';
import { createOutlookCalendarConnector } from './outlook-calendar.connector.js';

export * from './calendar-connector.js';

export interface CalendarConnectorSettings {
  egress: Egress;
  google: { clientId?: string; clientSecret?: string; tokenUrl: string; apiBaseUrl?: string };
  microsoft: { clientId?: string; clientSecret?: string; tokenUrl: string; graphBaseUrl: string };
}

export interface CalendarConnectors {
  /** the calendar of an account connected through a gmail (google) or outlook mail configuration */
  forAccount(provider: CalendarProviderKind, tokens: CalendarTokens, hooks?: CalendarConnectorHooks): CalendarConnector;
}

export function createCalendarConnectors({ egress, google, microsoft }: CalendarConnectorSettings): CalendarConnectors {
  return {
    forAccount(provider, tokens, hooks) {
      return provider === 'google'
        ? createGoogleCalendarConnector(
            { clientId: google.clientId, clientSecret: google.clientSecret, tokenUrl: google.tokenUrl, rootUrl: google.apiBaseUrl, egress },
            tokens,
            hooks,
          )
        : createOutlookCalendarConnector(
            { graphBaseUrl: microsoft.graphBaseUrl, tokenUrl: microsoft.tokenUrl, clientId: microsoft.clientId, clientSecret: microsoft.clientSecret, egress },
            tokens,
            hooks,
          );
    },
  };
}
