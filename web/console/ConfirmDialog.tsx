// A confirmation before an action that changes a task: a modal <dialog> (the page behind it is inert; Escape
// closes it), Tab and Shift+Tab cycling through its buttons, the safe choice focused first.
import { useEffect, useRef } from 'preact/hooks';

export interface ConfirmProps {
  readonly title: string;
  readonly message: string;
  readonly confirmLabel: string;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

export function ConfirmDialog(props: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    cancelRef.current?.focus();
  }, []);
  const trapTab = (e: KeyboardEvent): void => {
    if (e.key !== 'Tab' || !ref.current) return;
    const focusable = [...ref.current.querySelectorAll<HTMLElement>('button:not([disabled])')];
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first || !last) return;
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !ref.current.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !ref.current.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" onCancel={props.onCancel} onClose={props.onCancel} onKeyDown={trapTab}>
      <h2 id="confirm-title">{props.title}</h2>
      <p>{props.message}</p>
      <div class="actions">
        <button type="button" ref={cancelRef} onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
