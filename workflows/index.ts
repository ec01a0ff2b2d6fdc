// Every workflow the worker runs (its workflowsPath bundles this file).
export { followUpDueWorkflow } from './follow-up-due.workflow.js';
export { scoreLeadWorkflow } from './score-lead.workflow.js';
