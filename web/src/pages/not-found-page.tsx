import { Link } from 'react-router';
import { useDocumentTitle } from '../components/document-title';

export function NotFoundPage() {
  useDocumentTitle('Not found');
  return (
    <section className="panel narrow">
      <h1 tabIndex={-1}>This page does not exist</h1>
      <p>
        Back to the <Link to="/">catalogue</Link>.
      </p>
    </section>
  );
}
