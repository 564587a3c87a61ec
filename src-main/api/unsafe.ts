/**
 * Unsafe modes as the API, the renderer and the scenario runner see them: the settings of
 * POST /api/cluster {unsafe}, their safe defaults, the validator and the labels. They live
 * in core/unsafe.ts, because the protocol cores and the node process read them too.
 */
export {
  COMMIT_RULES,
  READ_MODES,
  UNSAFE_DEFAULTS,
  UNSAFE_HELP,
  UNSAFE_KEYS,
  activeUnsafe,
  brokenKeys,
  parseUnsafe,
  parseUnsafeValue,
  unsafeProtocolError,
  type CommitRule,
  type ReadMode,
  type UnsafeKey,
  type UnsafeSettings,
} from '../core/unsafe';
