import { useEffect, useState } from 'react';
import { describeOutbox, type BackgroundSender } from '../outbox/status.js';

/** The outbox's words for the status line, updated after each of its passes; undefined without destinations. */
export function useOutboxStatus(outbox: BackgroundSender | undefined): string | undefined {
  const [status, setStatus] = useState(() => outbox && describeOutbox(outbox.statuses()));
  useEffect(() => outbox?.onChange(() => setStatus(describeOutbox(outbox.statuses()))), [outbox]);
  return status;
}
