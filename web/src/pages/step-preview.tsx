/**
 * One step rendered as it will be sent (`POST /sequences/{id}/preview`), for the sample
 * prospect or one the user picks. An email's HTML is shown only inside an iframe with
 * `sandbox=""` and `srcdoc`: no scripts, no same-origin access, no forms, whatever the
 * template or the prospect's data holds.
 */
import { useState } from 'preact/hooks';
import type { PreviewResponse, ProspectsPage } from '../../../functions/contract/queries.js';
import { useApp } from '../app-context.js';
import { ErrorMessage, fieldError, Loading } from '../components/messages.js';
import { useResource } from '../components/use-resource.js';
import type { SequenceView } from '../types.js';

export function StepPreview({ sequence, stepId }: { sequence: SequenceView; stepId: string }) {
  const { api } = useApp();
  const [who, setWho] = useState('');
  const [applied, setApplied] = useState('');
  const preview = useResource(
    async (signal) => {
      let prospectId: string | undefined;
      if (applied.startsWith('p_')) prospectId = applied;
      else if (applied) {
        const found = await api<ProspectsPage>('GET', '/prospects', { signal, query: { q: applied, limit: 1 } });
        prospectId = found.items[0]?.id;
        if (!prospectId) throw new Error(`no prospect matches "${applied}"`);
      }
      return api<PreviewResponse>('POST', `/sequences/${sequence.id}/preview`, { signal, body: { stepId, ...(prospectId ? { prospectId } : {}) } });
    },
    [sequence.id, sequence.version, stepId, applied],
  );
  const whoError = fieldError(preview.error, 'prospectId') ?? fieldError(preview.error, 'prospect');
  return (
    <section class="panel preview" aria-labelledby="preview-title" data-testid="preview">
      <h3 id="preview-title">
        Preview of step <code>{stepId}</code>
      </h3>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(who.trim());
        }}
      >
        <label for="preview-who">Render for</label>
        <input
          id="preview-who"
          type="search"
          placeholder="the sample prospect — or an email, phone, name or prospect id"
          value={who}
          onInput={(event) => setWho((event.target as HTMLInputElement).value)}
          aria-describedby={whoError ? 'preview-who-error' : undefined}
        />
        <button type="submit">Render</button>
        {applied ? (
          <button
            type="button"
            onClick={() => {
              setWho('');
              setApplied('');
            }}
          >
            Use the sample
          </button>
        ) : null}
      </form>
      {preview.error ? <ErrorMessage error={preview.error} id="preview-who-error" /> : null}
      {preview.loading && !preview.data ? <Loading what="the preview" /> : null}
      {preview.data && !preview.error ? <Rendered preview={preview.data} /> : null}
    </section>
  );
}

function Rendered({ preview }: { preview: PreviewResponse }) {
  const source = { sample: 'the sample prospect', stored: 'the chosen prospect', given: 'the given data' }[preview.prospect];
  if (preview.channel === 'sms') {
    const segments = preview.segments;
    return (
      <div class="sms-preview">
        <p class="muted">SMS for {source}</p>
        <p class="bubble" data-testid="sms-text">
          {preview.text}
        </p>
        {segments ? (
          <p>
            {segments.count} segment{segments.count === 1 ? '' : 's'} ({segments.encoding}, {preview.text.length} characters)
            {segments.count > 1 ? ' — each segment is billed as one message' : ''}
          </p>
        ) : null}
      </div>
    );
  }
  if (preview.channel !== 'email') {
    const what = { call: 'Call script', voicemail: 'Voicemail message', task: 'Task script' }[preview.channel];
    return (
      <div class="script-preview">
        <p class="muted">
          {what} for {source}
        </p>
        <pre class="text-part" data-testid="script-text">
          {preview.text}
        </pre>
      </div>
    );
  }
  return (
    <div class="email-preview">
      <p class="muted">Email for {source}</p>
      <p>
        <strong>Subject:</strong> <span data-testid="email-subject">{preview.subject ?? ''}</span>
      </p>
      <iframe title="The email as it will look" sandbox="" srcdoc={preview.html ?? ''} class="email-frame" />
      <details>
        <summary>Text part</summary>
        <pre class="text-part">{preview.text}</pre>
      </details>
    </div>
  );
}
