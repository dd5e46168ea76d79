/**
 * Edit and publish: the definition as YAML and each step's template, as the files under
 * templates/<id>/ would hold them (domain/sequence-export.ts), published with
 * `PUT /sequences/{id}`. The API's validation names the file, the step and the line of
 * every problem; each is shown at the editor it belongs to, with a button that puts the
 * cursor on that line. Loaded on demand: the YAML library stays out of the first load.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { parseDocument, stringify } from 'yaml';
import { sequenceFiles } from '../../../functions/domain/sequence-export.js';
import { ApiError } from '../api.js';
import { useApp } from '../app-context.js';
import { ErrorMessage, Loading, Notice } from '../components/messages.js';
import { useResource } from '../components/use-resource.js';
import { DEFINITION_FILE, locateProblem, type Problem } from '../publish-problems.js';
import { href } from '../router.js';
import type { SequenceView } from '../types.js';

/** Where a template file's steps are declared in the YAML being edited. */
function templatesOf(definitionText: string): { step: string; template: string }[] {
  try {
    const value = parseDocument(definitionText).toJS() as { steps?: { id?: unknown; template?: unknown }[] } | null;
    return (value?.steps ?? []).filter((s) => typeof s?.template === 'string').map((s) => ({ step: String(s.id ?? ''), template: String(s.template) }));
  } catch {
    return [];
  }
}

function selectLine(textarea: HTMLTextAreaElement | null, line: number): void {
  if (!textarea) return;
  const lines = textarea.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
}

function FileEditor(props: {
  file: string;
  label: string;
  value: string;
  problems: Problem[];
  disabled: boolean;
  onInput(value: string): void;
}) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const id = `file-${props.file.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const rows = Math.min(24, Math.max(4, props.value.split('\n').length + 1));
  return (
    <div class={`file-editor${props.problems.length ? ' invalid' : ''}`} data-file={props.file}>
      <label for={id}>{props.label}</label>
      <textarea
        ref={ref}
        id={id}
        rows={rows}
        spellcheck={false}
        value={props.value}
        disabled={props.disabled}
        aria-invalid={props.problems.length > 0}
        {...(props.problems.length ? { 'aria-describedby': `${id}-problems` } : {})}
        onInput={(event) => props.onInput((event.target as HTMLTextAreaElement).value)}
      />
      {props.problems.length ? (
        <ul class="problems" id={`${id}-problems`} data-testid="problems">
          {props.problems.map((problem) => (
            <li key={problem.message}>
              {problem.line ? (
                <button type="button" class="link" onClick={() => selectLine(ref.current, problem.line ?? 1)}>
                  Line {problem.line}
                </button>
              ) : null}{' '}
              {problem.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function EditPage({ id }: { id: string }) {
  const { api, canEdit } = useApp();
  const loaded = useResource((signal) => api<{ sequence: SequenceView }>('GET', `/sequences/${id}`, { signal }), [id]);
  const [definition, setDefinition] = useState('');
  const [templates, setTemplates] = useState<Record<string, string>>({});
  const [problems, setProblems] = useState<Problem[]>([]);
  const [failure, setFailure] = useState<unknown>(undefined);
  const [published, setPublished] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!loaded.data) return;
    const files = sequenceFiles(loaded.data.sequence);
    setDefinition(stringify(files.definition, { lineWidth: 0 }));
    setTemplates(files.templates);
  }, [loaded.data]);

  const steps = useMemo(() => templatesOf(definition), [definition]);

  if (!canEdit) {
    return (
      <section>
        <h1 tabIndex={-1}>Edit {id}</h1>
        <p>Only editors can change and publish a sequence.</p>
      </section>
    );
  }
  if (loaded.error) return <ErrorMessage error={loaded.error} />;
  if (!loaded.data) return <Loading what="the sequence" />;
  const current = loaded.data.sequence;

  const publish = async () => {
    setBusy(true);
    setProblems([]);
    setFailure(undefined);
    setPublished(undefined);
    try {
      const document = parseDocument(definition, { prettyErrors: true });
      if (document.errors.length > 0) {
        setProblems(
          document.errors.map((error) => ({
            file: DEFINITION_FILE,
            ...(error.linePos?.[0] ? { line: error.linePos[0].line } : {}),
            message: error.message.split('\n')[0] ?? error.message,
          })),
        );
        return;
      }
      const used = Object.fromEntries(steps.filter((s) => s.template in templates).map((s) => [s.template, templates[s.template] ?? '']));
      const answer = await api<{ sequence: SequenceView; created: boolean }>('PUT', `/sequences/${id}`, { body: { definition: document.toJS(), templates: used } });
      setPublished(answer.created ? `Published version ${answer.sequence.version}.` : `Nothing changed: version ${answer.sequence.version} already has this content.`);
      loaded.reload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) {
        const lines = Array.isArray(error.details) && error.details.every((d) => typeof d === 'string') ? (error.details as string[]) : error.message.split('\n');
        const files = [...new Set([...Object.keys(templates), ...steps.map((s) => s.template)])];
        setProblems(lines.map((line) => locateProblem(line, files)));
      } else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const problemsOf = (file: string) => problems.filter((p) => p.file === file);
  return (
    <section>
      <p class="crumbs">
        <a href={href('sequences')}>Sequences</a> / <a href={href('sequence', { id })}>{id}</a> /
      </p>
      <h1 tabIndex={-1}>Edit and publish {current.definition.name}</h1>
      <p class="muted">
        Editing version {current.version}. Publishing creates version {current.version + 1} (identical content is a no-op); enrollments stay on the version they started
        with. A version published here is not written back to templates/: export it with <code>npm run export:sequence -- {id}</code>.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void publish();
        }}
      >
        <FileEditor file={DEFINITION_FILE} label="sequence.yaml (the definition)" value={definition} problems={problemsOf(DEFINITION_FILE)} disabled={busy} onInput={setDefinition} />
        {steps.map(({ step, template }) => (
          <FileEditor
            key={template}
            file={template}
            label={`Step ${step}: ${template}`}
            value={templates[template] ?? ''}
            problems={problemsOf(template)}
            disabled={busy}
            onInput={(value) => setTemplates({ ...templates, [template]: value })}
          />
        ))}
        {problems.length > 0 ? (
          <p class="error" role="alert">
            Not published: {problems.length} problem{problems.length === 1 ? '' : 's'}, shown at the file{problems.length === 1 ? '' : 's'} above.
          </p>
        ) : null}
        {failure ? <ErrorMessage error={failure} /> : null}
        {published ? <Notice>{published}</Notice> : null}
        <p class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Publishing…' : 'Publish'}
          </button>
          <a href={href('sequence', { id })}>Back to the sequence</a>
        </p>
      </form>
    </section>
  );
}
