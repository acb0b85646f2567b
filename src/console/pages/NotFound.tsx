/** A /console path that names no page. */
import { Link } from '../router';

export function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        <Link to="/">Back to the runs</Link>
      </p>
    </>
  );
}
