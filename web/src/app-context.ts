/** What every page needs: the API, who is signed in, and whether they may change things. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api.js';
import type { SignedInUser } from './auth.js';

export interface AppContextValue {
  api: Api;
  user: SignedInUser;
  /** Editors import, publish, stop, pause and resume; viewers only read (the API enforces it too). */
  canEdit: boolean;
}

export const AppContext = createContext<AppContextValue | undefined>(undefined);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside the signed-in app');
  return value;
}
