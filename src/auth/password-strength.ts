import type { ZxcvbnFactory } from '@zxcvbn-ts/core'

/** zxcvbn score 3 = "safely unguessable" (at least 10^8 guesses); 0–2 are common or pattern-built passwords. */
export const MIN_STRENGTH_SCORE = 3

let estimator: Promise<ZxcvbnFactory> | undefined

/**
 * The dictionaries cost about 75 MB of memory and a tenth of a second once
 * expanded, so they are imported on the first password check, not at start
 * (most processes never set a password).
 */
function loadEstimator(): Promise<ZxcvbnFactory> {
  estimator ??= (async () => {
    const [{ ZxcvbnFactory }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ])
    return new ZxcvbnFactory({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
    })
  })()
  // A failed import is retried on the next check instead of being cached.
  estimator.catch(() => {
    estimator = undefined
  })
  return estimator
}

/** 0–4; `userInputs` (email, names) count as known words, so variants of them score low. */
export async function passwordStrength(password: string, userInputs: string[]): Promise<number> {
  const zxcvbn = await loadEstimator()
  return zxcvbn.check(password, userInputs).score
}
