import { describeError } from '../lib/errors';

/** An operation's error in words, announced to screen readers as it appears. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const { message } = describeError(error);
  return (
    <div className="notice notice-danger" role="alert">
      {title && <strong>{title} </strong>}
      {message}
    </div>
  );
}
