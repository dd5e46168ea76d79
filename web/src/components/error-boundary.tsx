import { Component, type ComponentChildren } from 'preact';

interface State {
  error?: Error;
}

/** A page that throws while rendering shows what went wrong, never a blank page. */
export class ErrorBoundary extends Component<{ children: ComponentChildren }, State> {
  override state: State = {};

  static override getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render() {
    if (this.state.error) {
      return (
        <section class="panel" role="alert">
          <h1>Something went wrong on this page</h1>
          <p class="error">{this.state.error.message}</p>
          <p>
            <button type="button" onClick={() => this.setState({ error: undefined })}>
              Try again
            </button>{' '}
            <a href="#/sequences">Back to sequences</a>
          </p>
        </section>
      );
    }
    return this.props.children;
  }
}
