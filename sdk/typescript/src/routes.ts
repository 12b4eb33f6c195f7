import { recommendOptions } from "./types.js";

/**
 * A route the client calls: method, path template, the query parameters the client may send,
 * and the document's names of its JSON request body (the element type for a batch) and of its
 * 200 answer (null for none).
 */
export interface Route {
  method: "GET" | "PUT" | "POST" | "DELETE";
  path: string;
  query: readonly string[];
  request: string | null;
  response: string | null;
}

const page = ["limit", "cursor"];
const list = ["n", "category"];

/** routes maps each client method to its route; every method sends its request through this table. */
export const routes = {
  putItem: { method: "PUT", path: "/v1/items/{id}", query: [], request: "Item", response: "Item" },
  getItem: { method: "GET", path: "/v1/items/{id}", query: [], request: null, response: "Item" },
  deleteItem: { method: "DELETE", path: "/v1/items/{id}", query: [], request: null, response: null },
  listItems: { method: "GET", path: "/v1/items", query: page, request: null, response: "ItemPage" },
  putItems: { method: "POST", path: "/v1/items", query: [], request: "Item", response: "BatchResult" },
  putUser: { method: "PUT", path: "/v1/users/{id}", query: [], request: "User", response: "User" },
  getUser: { method: "GET", path: "/v1/users/{id}", query: [], request: null, response: "User" },
  deleteUser: { method: "DELETE", path: "/v1/users/{id}", query: [], request: null, response: null },
  userEvents: { method: "GET", path: "/v1/users/{id}/events", query: page, request: null, response: "EventPage" },
  addEvents: { method: "POST", path: "/v1/events", query: [], request: "Event", response: "EventResult" },
  recommend: {
    method: "GET", path: "/v1/users/{id}/recommendations", query: ["n", ...Object.keys(recommendOptions)],
    request: null, response: "Recommendations",
  },
  recommendFor: { method: "POST", path: "/v1/recommendations", query: [], request: "RecommendRequest", response: "Recommendations" },
  similar: { method: "GET", path: "/v1/items/{id}/similar", query: [...list, "by"], request: null, response: "Recommendations" },
  popular: { method: "GET", path: "/v1/popular", query: list, request: null, response: "Recommendations" },
  trending: { method: "GET", path: "/v1/trending", query: list, request: null, response: "Recommendations" },
  query: { method: "POST", path: "/v1/query", query: [], request: "QueryRequest", response: "QueryResponse" },
  spaces: { method: "GET", path: "/v1/spaces", query: [], request: null, response: "SpaceList" },
  train: { method: "POST", path: "/v1/admin/train", query: ["force"], request: null, response: "Model" },
  models: { method: "GET", path: "/v1/admin/models", query: [], request: null, response: "ModelList" },
  putExperiment: { method: "PUT", path: "/v1/experiments/{id}", query: [], request: "Experiment", response: "Experiment" },
  getExperiment: { method: "GET", path: "/v1/experiments/{id}", query: [], request: null, response: "Experiment" },
  listExperiments: { method: "GET", path: "/v1/experiments", query: [], request: null, response: "ExperimentList" },
  deleteExperiment: { method: "DELETE", path: "/v1/experiments/{id}", query: [], request: null, response: null },
  experimentReport: { method: "GET", path: "/v1/experiments/{id}/report", query: [], request: null, response: "ExperimentReport" },
} as const satisfies Record<string, Route>;

export type Method = keyof typeof routes;
