/**
 * Import a CSV into a sequence: drop or pick a file, see its first rows, map columns to
 * fields (guessed from the header with the API's own alias table), then run it as an import
 * job (import/run-import-job.ts): the file is uploaded whole and read by the server, with
 * the job's progress, its per-row results and a download of them all. The page reads the
 * file only to count its rows and show the first ones (import/csv-file.ts).
 */
import { useRef, useState } from 'preact/hooks';
import type { ImportProgressBody } from '../../../functions/contract/imports.js';
import { fieldForHeader, PROSPECT_FIELDS } from '../../../functions/domain/prospect-columns.js';
import { useApp } from '../app-context.js';
import { saveFile } from '../components/download.js';
import { ErrorMessage, Notice } from '../components/messages.js';
import { count } from '../format.js';
import { type CsvFileScan, scanCsvFile } from '../import/csv-file.js';
import { type ImportJobRun, resultsText, runImportJob } from '../import/run-import-job.js';
import { href } from '../router.js';
import type { EnrollmentRowResult } from '../types.js';

const FIELD_LABELS: Record<(typeof PROSPECT_FIELDS)[number], string> = {
  email: 'Email',
  phone: 'Phone',
  firstName: 'First name',
  lastName: 'Last name',
  company: 'Company',
  timezone: 'Time zone',
  country: 'Country',
};

interface LoadedFile extends CsvFileScan {
  name: string;
  size: number;
  blob: File;
}

/** What a column is read as without a mapping: a field by alias, else an attribute under its header. */
function defaultTarget(header: string): string {
  const field = fieldForHeader(header);
  return field ?? `attributes.${header.trim()}`;
}

const SHOWN_RESULTS = 200;

/** The job's own pace and time left (GET /imports/{id}). */
function Pace({ job }: { job: ImportProgressBody }) {
  if (job.rowsPerSecond <= 0) return null;
  const left = job.etaSeconds;
  return (
    <>
      {' '}
      · {Math.round(job.rowsPerSecond).toLocaleString('en-US')} rows/s
      {left !== undefined ? ` · about ${left >= 90 ? `${Math.ceil(left / 60)} min` : `${Math.ceil(left)} s`} left` : ''}
    </>
  );
}

/** What happened to a job that did not end `done`, in words. */
function endedEarly(job: ImportProgressBody): string | undefined {
  switch (job.status) {
    case 'done':
    case 'waiting_for_upload':
    case 'running':
      return undefined;
    case 'cancelled':
      return 'Cancelled: the rows read before the cancel were imported and stay; the rest were not.';
    case 'failed':
      return `The import stopped: ${job.error ?? 'see the results'}. The rows read before it stay imported.`;
  }
}

export function ImportPage({ id }: { id: string }) {
  const { api, canEdit } = useApp();
  const [file, setFile] = useState<LoadedFile | undefined>(undefined);
  const [fileError, setFileError] = useState<string | undefined>(undefined);
  const [targets, setTargets] = useState<string[]>([]);
  const [dragging, setDragging] = useState(false);
  const [progress, setProgress] = useState<ImportProgressBody | undefined>(undefined);
  const [run, setRun] = useState<ImportJobRun | undefined>(undefined);
  const [runError, setRunError] = useState<Error | undefined>(undefined);
  const [running, setRunning] = useState(false);
  const [filter, setFilter] = useState<'all' | EnrollmentRowResult['status']>('all');
  const [dryRun, setDryRun] = useState(false);
  const cancelled = useRef(false);

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
    setRunError(undefined);
    setProgress(undefined);
    if (!picked) return;
    try {
      const scan = await scanCsvFile(picked);
      setFile({ ...scan, name: picked.name, size: picked.size, blob: picked });
      setTargets(scan.header.map(defaultTarget));
    } catch (error) {
      setFile(undefined);
      setFileError(`${picked.name}: ${(error as Error).message}`);
    }
  };

  const columns = (): Record<string, string> => {
    const mapping: Record<string, string> = {};
    file?.header.forEach((header, index) => {
      const target = targets[index];
      if (target && target !== defaultTarget(header)) mapping[header] = target;
    });
    return mapping;
  };

  const start = async (dryRun = false) => {
    if (!file) return;
    cancelled.current = false;
    setRunning(true);
    setRun(undefined);
    setRunError(undefined);
    setProgress(undefined);
    setDryRun(dryRun);
    try {
      setRun(await runImportJob({ api, sequenceId: id, file: file.blob, columns: columns(), dryRun, onProgress: setProgress, isCancelled: () => cancelled.current }));
    } catch (error) {
      setRunError(error as Error);
    } finally {
      setRunning(false);
    }
  };

  const shown = (run?.results ?? []).filter((r) => filter === 'all' || r.status === filter).slice(0, SHOWN_RESULTS);
  const shownTotal = run ? (filter === 'all' ? run.job.enrolled + run.job.skipped + run.job.invalid : run.job[filter]) : 0;
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
            <strong>{file.name}</strong>: {count(file.rows)} rows ({file.encoding}, {count(file.size)} bytes).
          </p>
          <h2>Columns</h2>
          <div class="table-wrap">
            <table class="preview-table" data-testid="csv-preview">
              <caption>The first rows, and what each column is read as</caption>
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  {file.header.map((header, index) => (
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
                {file.preview.map((row) => (
                  <tr key={row.row}>
                    <th scope="row">{row.row}</th>
                    {file.header.map((_, index) => (
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
              Import {count(file.rows)} rows
            </button>
            {running ? (
              <button type="button" onClick={() => (cancelled.current = true)}>
                Cancel the import
              </button>
            ) : null}
          </p>
        </>
      ) : null}

      {runError ? <ErrorMessage error={runError} /> : null}

      {progress ? (
        <div class="progress" data-testid="import-progress">
          <label for="import-progress-bar">
            {progress.status === 'waiting_for_upload' ? 'Uploading…' : `${count(progress.rowsRead)} of ${count(progress.totalRows ?? file?.rows ?? 0)} rows read`}
          </label>
          <progress id="import-progress-bar" max={Math.max(progress.totalRows ?? file?.rows ?? 0, 1)} value={progress.rowsRead} />
          <p aria-live="polite">
            Enrolled {count(progress.enrolled)} · skipped {count(progress.skipped)} · invalid {count(progress.invalid)}
            {running ? <Pace job={progress} /> : null}
          </p>
        </div>
      ) : null}

      {run ? (
        <section aria-labelledby="results-title">
          <h2 id="results-title">{dryRun ? 'Dry run: nothing was imported' : 'Results'}</h2>
          {endedEarly(run.job) ? <Notice>{endedEarly(run.job)}</Notice> : null}
          <p data-testid="import-summary">
            {count(run.job.enrolled)} enrolled, {count(run.job.skipped)} skipped, {count(run.job.invalid)} invalid.
          </p>
          {run.job.topReasons.length > 0 ? (
            <ul class="top-reasons" data-testid="import-reasons">
              {run.job.topReasons.map((reason) => (
                <li key={reason.reason}>
                  {reason.reason}: {count(reason.count)} row{reason.count === 1 ? '' : 's'}
                </li>
              ))}
            </ul>
          ) : null}
          <p class="actions">
            <button
              type="button"
              onClick={() =>
                void resultsText(api, run.job.id).then(
                  (text) => saveFile(`${id}-import-results.csv`, text, 'text/csv'),
                  (error: Error) => setRunError(error),
                )
              }
            >
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
                {shownTotal > shown.length ? `The first ${count(shown.length)} of ${count(shownTotal)} rows (the download has them all)` : `${count(shownTotal)} rows`}
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
                {shown.map((result) => (
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
