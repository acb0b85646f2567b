/** A graph's routing decisions: from which node to which, decided how, and why. */
import type { RoutingDecision } from '../api';

export function RoutingView({ decisions }: { decisions: RoutingDecision[] }) {
  return (
    <section aria-labelledby="routing-heading">
      <h2 id="routing-heading">Routing decisions</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">By</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {decisions.map((d, i) => (
            <tr key={i}>
              <td>{d.step ?? '—'}</td>
              <td>{d.from ?? d.node ?? '—'}</td>
              <td>{d.to ?? d.target ?? d.edge ?? '—'}</td>
              <td>{d.by ?? '—'}</td>
              <td>{d.reason ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
