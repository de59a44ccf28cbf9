/**
 * Runs a plan in this process (the dev bridge and tests, which run as root): the one runner,
 * which guards every target itself (provisioning/plan/run-plan.ts).
 */
import { detect3os } from '../../provisioning/detect/detect-3os.js';
import { runPlan } from '../../provisioning/plan/run-plan.js';
import type { PlanRunner } from './app-plan.js';

export const runPlanDirect: PlanRunner = (plan, onEvent, signal) => runPlan(plan, { onEvent, signal, detect3os });
