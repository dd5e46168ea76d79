/**
 * Import a CSV into a sequence: drop or pick a file, see its first rows, map columns to
 * fields (guessed from the header with the API's own alias table), import with a progress
 * bar, read the per-row results and download them as CSV. The file is read and split in
 * the browser (import/csv-chunks.ts), so a 100,000-row list goes in chunks of whole records.
 */
import { useRef, useState } from 'preact/hooks';
import { fieldForHeader, PROSPECT_FIELDS } from '../../../functions/domain/prospect-columns.js';
import { useApp } from '../app-context.js';
import { ErrorMessage, Notice } from '../components/messages.js';
import { count } from '../format.js';
import { decodeCsv, planCsvChunks, previewRows, type CsvPlan } from '../import/csv-chunks.js';
import { resultsCsv, runChunkedImport, type ImportProgress, type ImportRun } from '../import/run-import.js';
import { href } from '../router.js';
import type { EnrollmentRowResult } from '../types.js';
import { saveFile } from '../components/download.js';

const FIELD_LABELS: Record<(typeof PROSPECT_FIELDS)[number], string> = {
  email: 'Email',
  phone: 'Phone',
  firstName: 'First name',
  lastName: 'Last name',
  company: 'Company',
  timezone: 'Time zone',
  country: 'Country',
};

interface LoadedFile {
  name: string;
  size: number;
  encoding: string;
  plan: CsvPlan;
  preview: ReturnType<typeof previewRows>;
}

/** What a column is read as without a mapping: a field by alias, else an attribute under its header. */
function defaultTarget(header: string): string {
  const field = fieldForHeader(header);
  return field ?? `attributes.${header.trim()}`;
}

const SHOWN_RESULTS = 200;

/** Rows per second so far, and the time left at that pace. */
function Pace({ progress, startedAt }: { progress: ImportProgress; startedAt: number }) {
  const seconds = (Date.now() - startedAt) / 1000;
  if (progress.rowsSent === 0 || seconds < 1) return null;
  const rate = progress.rowsSent / seconds;
  const left = Math.ceil((progress.rowsTotal - progress.rowsSent) / rate);
  return (
    <>
      {' '}
      · {Math.round(rate).toLocaleString('en-US')} rows/s · about {left >= 90 ? `${Math.ceil(left / 60)} min` : `${left} s`} left
    </>
  );
}

export function ImportPage({ id }: { id: string }) {
  const { api, canEdit } = useApp();
  const [file, setFile] = useState<LoadedFile | undefined>(undefined);
  const [fileError, setFileError] = useState<string | undefined>(undefined);
  const [targets, setTargets] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<ImportProgress | undefined>(undefined);
  const [run, setRun] = useState<ImportRun | undefined>(undefined);
  const [running, setRunning] = useState(false);
  const [filter, setFilter] = useState<'all' | EnrollmentRowResult['status']>('all');
  const [dryRun, setDryRun] = useState(false);
  const cancelled = useRef(false);
  const startedAt = useRef(0);

  if (!canEdit) {
    return (
      <section>
        <h1 tabIndex={-1}>Import prospects</h1>
        <p>Only editors can import prospects. Ask an editor, or view the sequence's enrollments.</p>
        <p>
          <a href={href('sequence', { id })}>Back to the sequence</a>
        </p>
      </section>
    );
  }

  const load = async (picked: File | undefined) => {
    setFileError(undefined);
    setRun(undefined);
    setProgress(undefined);
    if (!picked) return;
    try {
      const { text, encoding } = decodeCsv(new Uint8Array(await picked.arrayBuffer()));
      const plan = planCsvChunks(text);
      if (plan.header.length === 0) throw new Error('the file is empty: expected a header row and data rows');
      setFile({ name: picked.name, size: picked.size, encoding, plan, preview: previewRows(text, 5) });
      setTargets(plan.header.map(defaultTarget));
    } catch (error) {
      setFile(undefined);
      setFileError(`${picked.name}: ${(error as Error).message}`);
    }
  };

  const columns = (): Record<string, string> => {
    const mapping: Record<string, string> = {};
    file?.plan.header.forEach((header, index) => {
      const target = targets[index];
      if (target && target !== defaultTarget(header)) mapping[header] = target;
    });
    return mapping;
  };

  const start = async (dryRun = false) => {
    if (!file) return;
    cancelled.current = false;
    startedAt.current = Date.now();
    setRunning(true);
    setRun(undefined);
    setDryRun(dryRun);
    try {
      setRun(
        await runChunkedImport({ api, sequenceId: id, plan: file.plan, columns: columns(), dryRun, onProgress: setProgress, isCancelled: () => cancelled.current }),
      );
    } finally {
      setRunning(false);
    }
  };

  const shown = (run?.results ?? []).filter((r) => filter === 'all' || r.status === filter);
  return (
    <section>
      <p class="crumbs">
        <a href={href('sequences')}>Sequences</a> / <a href={href('sequence', { id })}>{id}</a> /
      </p>
      <h1 tabIndex={-1}>Import prospects into {id}</h1>

      <label
        class={`drop-zone${dragging ? ' dragging' : ''}`}
        for="csv-file"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          void load(event.dataTransfer?.files[0]);
        }}
      >
        <span>Drop a CSV file here, or choose one</span>
        <input id="csv-file" type="file" accept=".csv,text/csv" disabled={running} onChange={(event) => void load((event.target as HTMLInputElement).files?.[0])} />
      </label>
      {fileError ? (
        <p class="error" role="alert">
          {fileError}
        </p>
      ) : null}

      {file ? (
        <>
          <p data-testid="file-summary">
            <strong>{file.name}</strong>: {count(file.plan.rows)} rows ({file.encoding}, {count(file.size)} bytes), sent in {file.plan.chunks.length} chunk
            {file.plan.chunks.length === 1 ? '' : 's'}.
          </p>
          <h2>Columns</h2>
          <div class="table-wrap">
            <table class="preview-table" data-testid="csv-preview">
              <caption>The first rows, and what each column is read as</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  {file.plan.header.map((header, index) => (
                    <th scope="col" key={`${header}-${index}`}>
                      <span class="header-name">{header}</span>
                      <label class="visually-hidden" for={`map-${index}`}>
                        Read column {header} as
                      </label>
                      <select
                        id={`map-${index}`}
                        value={targets[index]}
                        disabled={running}
                        onChange={(event) => {
                          const next = [...targets];
                          next[index] = (event.target as HTMLSelectElement).value;
                          setTargets(next);
                        }}
                      >
                        {PROSPECT_FIELDS.map((field) => (
                          <option key={field} value={field}>
                            {FIELD_LABELS[field]}
                          </option>
                        ))}
                        <option value={`attributes.${header.trim()}`}>Attribute “{header.trim()}”</option>
                        <option value="ignore">Ignore</option>
                      </select>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {file.preview.rows.map((row) => (
                  <tr key={row.row}>
                    <th scope="row">{row.row}</th>
                    {file.plan.header.map((_, index) => (
                      <td key={index}>{row.cells[index] ?? ''}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!targets.includes('email') && !targets.includes('phone') ? (
            <p class="error" role="alert">
              No column is read as Email or Phone: choose which column holds the address.
            </p>
          ) : null}
          <p class="actions">
            <button type="button" disabled={running || (!targets.includes('email') && !targets.includes('phone'))} onClick={() => void start(true)}>
              Dry run
            </button>
            <button type="button" class="primary" disabled={running || (!targets.includes('email') && !targets.includes('phone'))} onClick={() => void start()}>
              Import {count(file.plan.rows)} rows
            </button>
            {running ? (
              <button type="button" onClick={() => (cancelled.current = true)}>
                Stop after this chunk
              </button>
            ) : null}
          </p>
        </>
      ) : null}

      {progress ? (
        <div class="progress" data-testid="import-progress">
          <label for="import-progress-bar">
            {count(progress.rowsSent)} of {count(progress.rowsTotal)} rows sent ({progress.chunksDone}/{progress.chunksTotal} chunks)
          </label>
          <progress id="import-progress-bar" max={Math.max(progress.rowsTotal, 1)} value={progress.rowsSent} />
          <p aria-live="polite">
            Enrolled {count(progress.summary.enrolled)} · skipped {count(progress.summary.skipped)} · invalid {count(progress.summary.invalid)}
            {running ? <Pace progress={progress} startedAt={startedAt.current} /> : null}
          </p>
        </div>
      ) : null}

      {run ? (
        <section aria-labelledby="results-title">
          <h2 id="results-title">{dryRun ? 'Dry run: nothing was imported' : 'Results'}</h2>
          {run.stoppedBy ? <ErrorMessage error={run.stoppedBy} /> : null}
          {run.cancelled ? <Notice>Stopped: the rows after the last chunk sent were not imported.</Notice> : null}
          <p data-testid="import-summary">
            {count(run.summary.enrolled)} enrolled, {count(run.summary.skipped)} skipped, {count(run.summary.invalid)} invalid.
          </p>
          <p class="actions">
            <button type="button" onClick={() => saveFile(`${id}-import-results.csv`, resultsCsv(run.results), 'text/csv')}>
              Download the results as CSV
            </button>
            <label>
              Show{' '}
              <select value={filter} onChange={(event) => setFilter((event.target as HTMLSelectElement).value as typeof filter)}>
                <option value="all">every row</option>
                <option value="invalid">invalid rows</option>
                <option value="skipped">skipped rows</option>
                <option value="enrolled">enrolled rows</option>
              </select>
            </label>
          </p>
          <div class="table-wrap">
            <table data-testid="import-results">
              <caption>
                {shown.length > SHOWN_RESULTS ? `The first ${SHOWN_RESULTS} of ${count(shown.length)} rows (the download has them all)` : `${count(shown.length)} rows`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  <th scope="col">Result</th>
                  <th scope="col">Reason or warnings</th>
                  <th scope="col">Prospect</th>
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, SHOWN_RESULTS).map((result) => (
                  <tr key={result.row} data-row={result.row} data-status={result.status}>
                    <th scope="row">{result.row}</th>
                    <td>
                      <span class={`result result-${result.status}`}>{result.status}</span>
                    </td>
                    <td>
                      {'reason' in result ? result.reason : ''}
                      {result.warnings?.map((warning) => (
                        <span class="warning" key={warning}>
                          {warning}
                        </span>
                      ))}
                    </td>
                    <td>{'prospectId' in result ? <a href={href('prospect', { id: result.prospectId })}>{result.prospectId}</a> : ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </section>
  );
}
