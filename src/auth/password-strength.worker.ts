// The zxcvbn estimator in a worker thread: its dictionaries (about 75 MB once
// expanded) live only as long as this worker, which password-strength.ts ends
// when no password has been checked for a while.
import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import * as common from '@zxcvbn-ts/language-common'
import * as en from '@zxcvbn-ts/language-en'

declare const self: Worker

const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...en.dictionary },
  graphs: common.adjacencyGraphs,
  translations: en.translations,
})

self.onmessage = (event: MessageEvent<{ id: number; password: string; userInputs: string[] }>) => {
  const { id, password, userInputs } = event.data
  self.postMessage({ id, score: zxcvbn.check(password, userInputs).score })
}
