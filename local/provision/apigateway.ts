// AWS::ApiGatewayV2::Api / Integration / Route / Stage (HTTP APIs) → a loopback server per API
// (local/apigateway/http-api-server.ts): its routes, each with its authorization and the Lambda function of its
// proxy integration. Only what API Gateway does with a request is emulated: matching, IAM authorization, the
// payload-2.0 event, the response mapping; throttling and access logs are inert here.
import { resolve } from '../template.js';
import type { ProvisionContext, ResourceProvisioner } from './provisioner.js';

export const HTTP_API_TYPES = {
  api: 'AWS::ApiGatewayV2::Api',
  integration: 'AWS::ApiGatewayV2::Integration',
  route: 'AWS::ApiGatewayV2::Route',
  stage: 'AWS::ApiGatewayV2::Stage',
} as const;

/** One route of an HTTP API, resolved to what serves it locally. */
export interface HttpRouteSpec {
  /** `POST /tasks/{ref}`, or `$default`. */
  readonly routeKey: string;
  /** NONE or AWS_IAM (JWT and custom authorizers are refused at provisioning). */
  readonly authorizationType: 'NONE' | 'AWS_IAM';
  /** The Lambda function of its proxy integration (local name). */
  readonly functionName: string;
  readonly payloadFormatVersion: '1.0' | '2.0';
}

export interface HttpApiSpec {
  /** The API's logical ID (its local API ID). */
  readonly apiId: string;
  readonly routes: HttpRouteSpec[];
  /** Stage names; `$default` serves at the root, another under `/<name>`. */
  readonly stages: string[];
}

function apiSpec(ctx: ProvisionContext, apiId: string): HttpApiSpec {
  let spec = ctx.out.httpApis.find((a) => a.apiId === apiId);
  if (!spec) {
    spec = { apiId, routes: [], stages: [] };
    ctx.out.httpApis.push(spec);
  }
  return spec;
}

export const httpApi: ResourceProvisioner = {
  create: (id, resource, ctx) => {
    if (resource.Properties?.ProtocolType !== 'HTTP') throw new Error(`${id}: only HTTP APIs (ProtocolType HTTP) are served by the embedded platform`);
    apiSpec(ctx, id);
    return { ref: id, attributes: { ApiId: id, ApiEndpoint: `https://${id}.execute-api.${ctx.resolve.region}.amazonaws.com` } };
  },
  provision: (id) => `loopback HTTP API server (${id}): routes, IAM SigV4 check, Lambda proxy integration`,
};

export const httpIntegration: ResourceProvisioner = {
  provision: (id, resource, ctx) => {
    integrationOf(id, resource.Properties, ctx);
    return 'Lambda proxy integration of the local HTTP API server';
  },
};

/** An integration's function name and payload format; only AWS_PROXY integrations of Lambda functions are served. */
function integrationOf(id: string, properties: Record<string, unknown> | undefined, ctx: ProvisionContext): Pick<HttpRouteSpec, 'functionName' | 'payloadFormatVersion'> {
  const props = resolve(properties, ctx.resolve) as { IntegrationType?: string; IntegrationUri?: string; PayloadFormatVersion?: string };
  const name = /:function:([^:]+)/.exec(String(props.IntegrationUri ?? ''))?.[1];
  if (props.IntegrationType !== 'AWS_PROXY' || !name) throw new Error(`${id}: only Lambda proxy integrations (AWS_PROXY of a function) are served by the embedded platform`);
  const version = props.PayloadFormatVersion ?? '2.0';
  if (version !== '1.0' && version !== '2.0') throw new Error(`${id}: unknown PayloadFormatVersion ${version}`);
  if (version === '1.0') throw new Error(`${id}: payload format 1.0 is not served by the embedded platform (use 2.0)`);
  return { functionName: name, payloadFormatVersion: version };
}

export const httpRoute: ResourceProvisioner = {
  provision: (id, resource, ctx) => {
    const props = resolve(resource.Properties, ctx.resolve) as { ApiId?: string; RouteKey?: string; AuthorizationType?: string; Target?: string };
    const authorizationType = props.AuthorizationType ?? 'NONE';
    if (authorizationType !== 'NONE' && authorizationType !== 'AWS_IAM') throw new Error(`${id}: authorization ${authorizationType} is not emulated by the embedded platform (NONE or AWS_IAM)`);
    const integrationId = /^integrations\/(.+)$/.exec(props.Target ?? '')?.[1];
    const integration = integrationId ? ctx.template.Resources[integrationId] : undefined;
    if (!integrationId || integration?.Type !== HTTP_API_TYPES.integration) throw new Error(`${id}: its target ${props.Target ?? '(none)'} is not an integration of the template`);
    apiSpec(ctx, String(props.ApiId)).routes.push({
      routeKey: String(props.RouteKey),
      authorizationType,
      ...integrationOf(integrationId, integration.Properties, ctx),
    });
    return `route ${String(props.RouteKey)} (${authorizationType})`;
  },
};

export const httpStage: ResourceProvisioner = {
  provision: (_id, resource, ctx) => {
    const props = resolve({ ApiId: resource.Properties?.ApiId, StageName: resource.Properties?.StageName }, ctx.resolve) as { ApiId?: string; StageName?: string };
    apiSpec(ctx, String(props.ApiId)).stages.push(String(props.StageName ?? '$default'));
    return `stage ${String(props.StageName)} (throttling and access logs inert locally)`;
  },
};
