// The hosted form as a page: every input labelled (label for=), required
// said in words and in aria-required, autofill tokens, errors tied to their
// field (aria-describedby, aria-invalid) and summarised at the top (focused
// on load, each error a link to its field). One column, no script: the
// browser's own form submission does everything. `novalidate`: the server's
// messages are the ones people see (a browser bubble is neither announced
// consistently nor styled), so an invalid form reaches the server and comes
// back with them.
import type { WebForm } from '../../../generated/prisma/client.js';
import { autocompleteOf, maxLengthOf, type FormField } from '../../../domain/webforms/form-fields.js';
import { errorSummary, fieldAria, fieldError, html, type PublicPageContent, type SafeHtml } from '../../pages/public-page.js';
import { HONEYPOT_FIELD, publicFormPath, STAMP_FIELD } from './public-form-links.js';

export interface FormPageState {
  /** what the person typed, by field key */
  values?: Record<string, string>;
  /** field key -> message */
  errors?: Record<string, string>;
  /** a notice above the form (e.g. the page was too old: send it again) */
  notice?: string;
  /** the signed render stamp for this rendering */
  stamp: string;
}

/** A field's input id: prefixed so a field key can never take an id the page itself uses. */
export const fieldInputId = (key: string) => `field-${key}`;

const INPUT_TYPE: Record<FormField['type'], string> = {
  text: 'text',
  email: 'email',
  tel: 'tel',
  url: 'url',
  textarea: 'textarea',
  number: 'text',
  select: 'select',
  checkbox: 'checkbox',
  date: 'date',
};

function fieldMarkup(field: FormField, value: string, error: string | undefined): SafeHtml {
  const id = fieldInputId(field.key);
  const hintId = field.help ? `${id}-hint` : undefined;
  const aria = fieldAria(id, { hintId, error });
  const required = field.required ? html` required aria-required="true"` : html``;
  const label = html`${field.label}${field.required ? html` <span class="required">(required)</span>` : ''}`;
  const hint = field.help ? html`<span id="${hintId}" class="hint">${field.help}</span>` : html``;
  const placeholder = field.placeholder ? html` placeholder="${field.placeholder}"` : html``;

  if (field.type === 'checkbox') {
    const checked = ['on', 'true', '1', 'yes'].includes(value.toLowerCase()) ? html` checked` : html``;
    return html`<div class="field checkbox">${fieldError(id, error)}<input type="checkbox" id="${id}" name="${field.key}" value="on"${checked}${required}${aria}> <label for="${id}">${label}</label>${hint}</div>`;
  }
  let control: SafeHtml;
  if (field.type === 'select') {
    const options = (field.options ?? []).map((option) => html`<option value="${option}"${option === value ? html` selected` : ''}>${option}</option>`);
    control = html`<select id="${id}" name="${field.key}"${required}${aria}><option value="">Choose an option</option>${options}</select>`;
  } else if (field.type === 'textarea') {
    control = html`<textarea id="${id}" name="${field.key}" rows="5" maxlength="${maxLengthOf(field)}"${placeholder}${required}${aria}>${value}</textarea>`;
  } else {
    // numbers as text with a numeric keyboard: type=number drops what it cannot parse, and the person's input must come back as typed
    const numeric = field.type === 'number' ? html` inputmode="decimal"` : html``;
    control = html`<input type="${INPUT_TYPE[field.type]}" id="${id}" name="${field.key}" value="${value}" autocomplete="${autocompleteOf(field)}" maxlength="${maxLengthOf(field)}"${numeric}${placeholder}${required}${aria}>`;
  }
  return html`<div class="field"><label for="${id}">${label}</label>${hint}${fieldError(id, error)}${control}</div>`;
}

/** The form page: heading, description, notice, error summary, the fields, the honeypot, the stamp and the button. */
export function formPage(form: WebForm, state: FormPageState): PublicPageContent {
  const fields = form.fields as unknown as FormField[];
  const errors = state.errors ?? {};
  const title = form.title || form.name;
  const summary = errorSummary(fields.filter((f) => errors[f.key]).map((f) => ({ fieldId: fieldInputId(f.key), message: errors[f.key]! })));
  const anyRequired = fields.some((f) => f.required);
  const body = html`<h1>${title}</h1>
${form.description ? html`<p>${form.description}</p>` : ''}
${state.notice ? html`<p class="notice" role="status">${state.notice}</p>` : ''}
${summary}
<form method="post" action="${publicFormPath(form.form_link)}" novalidate>
${anyRequired ? html`<p class="hint">Fields marked (required) must be filled in.</p>` : ''}
${fields.map((field) => fieldMarkup(field, state.values?.[field.key] ?? '', errors[field.key]))}
<div class="visually-hidden" aria-hidden="true"><label for="contact-website">Leave this field empty</label><input type="text" id="contact-website" name="${HONEYPOT_FIELD}" value="" tabindex="-1" autocomplete="off"></div>
<input type="hidden" name="${STAMP_FIELD}" value="${state.stamp}">
<button type="submit">${form.submit_label || 'Send'}</button>
</form>`;
  return { title: Object.keys(errors).length > 0 ? `Error: ${title}` : title, body };
}
