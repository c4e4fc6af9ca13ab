import { execFileSync } from 'node:child_process';

/** A named tmux session for end-to-end tests of the app in a real terminal. */
export function tmuxSession(name: string) {
  const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
  const running = () => {
    try {
      tmux('has-session', '-t', name);
      return true;
    } catch {
      return false;
    }
  };
  return {
    tmux,
    running,
    screen: () => tmux('capture-pane', '-p', '-t', name),
    kill: () => {
      if (running()) tmux('kill-session', '-t', name);
    },
  };
}
