import type { SchemaTable } from "./schema-types.ts";

// rbac/v1, policy/v1, scheduling/v1, networking/v1 and authentication/v1 generated.proto and types.go:
// the other kinds `kubectl create` sends as protobuf.
const binding = { 1: "metadata:ObjectMeta!", 2: "subjects:[]Subject", 3: "roleRef:RoleRef!" };

export const accessSchema: SchemaTable = {
  Role: { 1: "metadata:ObjectMeta!", 2: "rules:[]PolicyRule!" },
  ClusterRole: { 1: "metadata:ObjectMeta!", 2: "rules:[]PolicyRule!", 3: "aggregationRule:AggregationRule?" },
  PolicyRule: {
    1: "verbs:[]string!",
    2: "apiGroups:[]string",
    3: "resources:[]string",
    4: "resourceNames:[]string",
    5: "nonResourceURLs:[]string",
  },
  AggregationRule: { 1: "clusterRoleSelectors:[]LabelSelector" },
  RoleBinding: binding,
  ClusterRoleBinding: binding,
  Subject: { 1: "kind:string!", 2: "apiGroup:string", 3: "name:string!", 4: "namespace:string" },
  RoleRef: { 1: "apiGroup:string!", 2: "kind:string!", 3: "name:string!" },

  PodDisruptionBudget: {
    1: "metadata:ObjectMeta!",
    2: "spec:PodDisruptionBudgetSpec!",
    3: "status:PodDisruptionBudgetStatus!",
  },
  PodDisruptionBudgetSpec: {
    1: "minAvailable:IntOrString?",
    2: "selector:LabelSelector?",
    3: "maxUnavailable:IntOrString?",
    4: "unhealthyPodEvictionPolicy:string?",
  },
  PodDisruptionBudgetStatus: {
    1: "observedGeneration:int64",
    2: "disruptedPods:map<Time>",
    3: "disruptionsAllowed:int32!",
    4: "currentHealthy:int32!",
    5: "desiredHealthy:int32!",
    6: "expectedPods:int32!",
    7: "conditions:[]Condition",
  },

  PriorityClass: {
    1: "metadata:ObjectMeta!",
    2: "value:int32!",
    3: "globalDefault:bool",
    4: "description:string",
    5: "preemptionPolicy:string?",
  },

  Ingress: { 1: "metadata:ObjectMeta!", 2: "spec:IngressSpec!", 3: "status:IngressStatus!" },
  IngressSpec: {
    4: "ingressClassName:string?",
    1: "defaultBackend:IngressBackend?",
    2: "tls:[]IngressTLS",
    3: "rules:[]IngressRule",
  },
  IngressBackend: { 4: "service:IngressServiceBackend?", 3: "resource:TypedLocalObjectReference?" },
  IngressServiceBackend: { 1: "name:string!", 2: "port:ServiceBackendPort!" },
  ServiceBackendPort: { 1: "name:string", 2: "number:int32" },
  IngressTLS: { 1: "hosts:[]string", 2: "secretName:string" },
  IngressRule: { 1: "host:string", 2: "*:IngressRuleValue" },
  IngressRuleValue: { 1: "http:HTTPIngressRuleValue?" },
  HTTPIngressRuleValue: { 1: "paths:[]HTTPIngressPath!" },
  HTTPIngressPath: { 1: "path:string", 3: "pathType:string?", 2: "backend:IngressBackend!" },
  IngressStatus: { 1: "loadBalancer:IngressLoadBalancerStatus!" },
  IngressLoadBalancerStatus: { 1: "ingress:[]IngressLoadBalancerIngress" },
  IngressLoadBalancerIngress: { 1: "ip:string", 2: "hostname:string", 4: "ports:[]IngressPortStatus" },
  IngressPortStatus: { 1: "port:int32!", 2: "protocol:string!", 3: "error:string?" },

  TokenRequest: { 1: "metadata:ObjectMeta!", 2: "spec:TokenRequestSpec!", 3: "status:TokenRequestStatus!" },
  TokenRequestSpec: {
    1: "audiences:[]string!",
    4: "expirationSeconds:int64?",
    3: "boundObjectRef:BoundObjectReference?",
  },
  BoundObjectReference: { 1: "kind:string", 2: "apiVersion:string", 3: "name:string", 4: "uid:string" },
  TokenRequestStatus: { 1: "token:string!", 2: "expirationTimestamp:Time!" },
  TokenReview: { 1: "metadata:ObjectMeta!", 2: "spec:TokenReviewSpec!", 3: "status:TokenReviewStatus!" },
  TokenReviewSpec: { 1: "token:string", 2: "audiences:[]string" },
  TokenReviewStatus: {
    1: "authenticated:bool",
    2: "user:UserInfo!",
    4: "audiences:[]string",
    3: "error:string",
  },
  // `kubectl auth whoami` (v1, and v1beta1 for kubectl 1.27, with the same fields).
  SelfSubjectReview: { 1: "metadata:ObjectMeta!", 2: "status:SelfSubjectReviewStatus!" },
  SelfSubjectReviewStatus: { 1: "userInfo:UserInfo!" },
  UserInfo: { 1: "username:string", 2: "uid:string", 3: "groups:[]string", 4: "extra:map<ExtraValue>" },
  ExtraValue: { 1: "items:[]string" },

  // authorization/v1: `kubectl auth can-i` and its --list.
  SelfSubjectAccessReview: {
    1: "metadata:ObjectMeta!",
    2: "spec:SelfSubjectAccessReviewSpec!",
    3: "status:SubjectAccessReviewStatus!",
  },
  SelfSubjectAccessReviewSpec: {
    1: "resourceAttributes:ResourceAttributes?",
    2: "nonResourceAttributes:NonResourceAttributes?",
  },
  SubjectAccessReview: {
    1: "metadata:ObjectMeta!",
    2: "spec:SubjectAccessReviewSpec!",
    3: "status:SubjectAccessReviewStatus!",
  },
  LocalSubjectAccessReview: {
    1: "metadata:ObjectMeta!",
    2: "spec:SubjectAccessReviewSpec!",
    3: "status:SubjectAccessReviewStatus!",
  },
  SubjectAccessReviewSpec: {
    1: "resourceAttributes:ResourceAttributes?",
    2: "nonResourceAttributes:NonResourceAttributes?",
    3: "user:string",
    4: "groups:[]string",
    5: "extra:map<ExtraValue>",
    6: "uid:string",
  },
  ResourceAttributes: {
    1: "namespace:string",
    2: "verb:string",
    3: "group:string",
    4: "version:string",
    5: "resource:string",
    6: "subresource:string",
    7: "name:string",
    8: "fieldSelector:SelectorAttributes?",
    9: "labelSelector:SelectorAttributes?",
  },
  SelectorAttributes: { 1: "rawSelector:string", 2: "requirements:[]SelectorRequirement" },
  SelectorRequirement: { 1: "key:string!", 2: "operator:string!", 3: "values:[]string" },
  NonResourceAttributes: { 1: "path:string", 2: "verb:string" },
  SubjectAccessReviewStatus: {
    1: "allowed:bool!",
    4: "denied:bool",
    2: "reason:string",
    3: "evaluationError:string",
  },
  SelfSubjectRulesReview: {
    1: "metadata:ObjectMeta!",
    2: "spec:SelfSubjectRulesReviewSpec!",
    3: "status:SubjectRulesReviewStatus!",
  },
  SelfSubjectRulesReviewSpec: { 1: "namespace:string" },
  SubjectRulesReviewStatus: {
    1: "resourceRules:[]ResourceRule!",
    2: "nonResourceRules:[]NonResourceRule!",
    3: "incomplete:bool!",
    4: "evaluationError:string",
  },
  ResourceRule: {
    1: "verbs:[]string!",
    2: "apiGroups:[]string",
    3: "resources:[]string",
    4: "resourceNames:[]string",
  },
  NonResourceRule: { 1: "verbs:[]string!", 2: "nonResourceURLs:[]string" },
};
