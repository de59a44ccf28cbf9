/**
 * Repair: rewrite the OS slots of a 3os device and keep its data volume. The engine has no
 * repair step yet, so the page explains what it will do and what to use meanwhile.
 */
import type { ReactNode } from 'react';

export function RepairPage(): ReactNode {
  return (
    <section aria-labelledby="repair-h" className="step">
      <h2 id="repair-h">Repair a device</h2>
      <div className="warning-panel" role="note">
        <p>
          <strong>Repair rewrites the operating system partitions (boot, root A and root B) and keeps the data volume.</strong> Settings and
          data on the device stay; any change made to the system partitions is lost.
        </p>
      </div>
      <p className="note">Coming: this build of the flasher cannot rewrite the OS slots on their own yet.</p>
      <p>Until then:</p>
      <ul>
        <li>to boot the other, known-good slot, use the Serial page: "Switch to slot A/B" and "Reboot";</li>
        <li>to see what a card holds before deciding, use "Inspect disk";</li>
        <li>a full flash replaces everything, including the data volume.</li>
      </ul>
    </section>
  );
}
