// Every workflow the worker runs (its workflowsPath bundles this file).
export { scoreLeadWorkflow } from './score-lead.workflow.js';
