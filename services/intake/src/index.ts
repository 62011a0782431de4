export { buildApp } from "./app";
export { catalogueToDcat, DCAT_AP_CONTEXT } from "./catalogue/dcat";
export { validateDcat } from "./catalogue/dcat-validate";
