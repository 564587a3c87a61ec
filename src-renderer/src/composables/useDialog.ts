/**
 * useDialog makes a modal dialog keyboard-safe: on opening it remembers what had focus and
 * focuses the dialog's first field; Tab and Shift+Tab cycle inside it; Esc closes it; on
 * closing, focus goes back where it was.
 */
import { onBeforeUnmount, onMounted, type Ref } from 'vue';

/** FOCUSABLE selects what Tab may reach inside a dialog. */
const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** focusables lists the dialog's reachable controls, in document order. */
function focusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.hasAttribute('inert'));
}

/** trapTab keeps a Tab press inside `root`: from the last control to the first, and back with Shift. */
export function trapTab(root: HTMLElement, e: KeyboardEvent): void {
  const els = focusables(root);
  if (els.length === 0) {
    e.preventDefault();
    return;
  }
  const first = els[0]!;
  const last = els[els.length - 1]!;
  const active = document.activeElement;
  const inside = active instanceof HTMLElement && root.contains(active);
  if (e.shiftKey && (active === first || !inside)) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || !inside)) {
    e.preventDefault();
    first.focus();
  }
}

/** useDialog wires focus, the Tab trap and Esc to the dialog element in `root`; `close` closes it. */
export function useDialog(root: Ref<HTMLElement | null>, close: () => void): void {
  let opener: HTMLElement | null = null;

  function onKey(e: KeyboardEvent): void {
    const el = root.value;
    if (!el) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Tab') {
      trapTab(el, e);
    }
  }

  onMounted(() => {
    opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const el = root.value;
    if (!el) return;
    (el.querySelector<HTMLElement>('[autofocus]') ?? focusables(el)[0] ?? el).focus();
    // On the document, so Esc and Tab work even if focus slipped out (a click on the backdrop).
    document.addEventListener('keydown', onKey, true);
  });

  onBeforeUnmount(() => {
    document.removeEventListener('keydown', onKey, true);
    if (opener && opener.isConnected) opener.focus();
  });
}
