import { useLiveState } from '../api/live';

const TEXT = { idle: 'Offline', connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

/** Whether updates can arrive right now: the WebSocket's state, as the order page shows it. */
export function LiveBadge() {
  const state = useLiveState();
  return (
    <span className={`live live-${state}`} role="status" aria-live="polite" data-live={state}>
      <span className="live-dot" aria-hidden="true" />
      {TEXT[state]}
    </span>
  );
}
