/**
 * Confirmation dialogs and notices. Every action that changes something asks first; the
 * dialog shows what will be sent and, after, what the API answered.
 */
import { h, type Child } from './dom.js';
import { ApiError } from './api.js';

export interface ModalAction {
  readonly label: string;
  readonly kind?: 'primary' | 'danger' | 'plain';
  /** Used by tests and for keyboard users: `data-action`. */
  readonly id: string;
  readonly run: (m: Modal) => Promise<void> | void;
}

export interface Modal {
  close(): void;
  /** Shows a result or an error in the dialog. */
  say(text: Child, kind?: 'ok' | 'error'): void;
  /** Replaces the dialog's body and actions (a second step). */
  next(title: string, body: Child, actions: readonly ModalAction[]): void;
}

export function openModal(title: string, body: Child, actions: readonly ModalAction[]): Modal {
  const root = document.getElementById('modal') as HTMLElement;
  root.replaceChildren();
  const heading = h('h2', {}, title);
  const content = h('div', { class: 'modal-body' }, body);
  const status = h('div', { class: 'modal-status', role: 'status', 'aria-live': 'polite' });
  const buttons = h('div', { class: 'modal-actions' });
  const dialog = h(
    'div',
    { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
    heading,
    content,
    status,
    buttons,
  );
  const backdrop = h('div', { class: 'backdrop' }, dialog);
  const m: Modal = {
    close: () => root.replaceChildren(),
    say: (text, kind = 'ok') => status.replaceChildren(h('p', { class: kind }, text)),
    next: (t, b, a) => {
      heading.textContent = t;
      content.replaceChildren(h('div', {}, b));
      status.replaceChildren();
      fill(a);
    },
  };
  const fill = (list: readonly ModalAction[]) => {
    buttons.replaceChildren(
      ...list.map((a) =>
        h(
          'button',
          {
            class: a.kind ?? 'plain',
            'data-action': a.id,
            onclick: async (ev: Event) => {
              const button = ev.currentTarget as HTMLButtonElement;
              button.disabled = true;
              try {
                await a.run(m);
              } catch (e) {
                m.say(errorText(e), 'error');
              } finally {
                button.disabled = false;
              }
            },
          },
          a.label,
        ),
      ),
      h('button', { class: 'plain', 'data-action': 'cancel', onclick: () => m.close() }, 'Close'),
    );
  };
  fill(actions);
  root.appendChild(backdrop);
  (buttons.querySelector('button') as HTMLButtonElement | null)?.focus();
  return m;
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.status} ${e.code})`;
  return e instanceof Error ? e.message : String(e);
}

export function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  const root = document.getElementById('toasts') as HTMLElement;
  const t = h('div', { class: `toast ${kind}`, role: 'status' }, text);
  root.appendChild(t);
  setTimeout(() => t.remove(), 6_000);
}
