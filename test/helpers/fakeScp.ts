import type { AddressInfo } from 'node:net';
import dimse from 'dcmjs-dimse';

const { Server, Scp, responses, constants } = dimse;

/**
 * A DIMSE storage SCP standing in for a PACS: it accepts every presentation context as proposed and answers
 * each C-STORE with `status()`, or never answers while `status()` is undefined (a PACS that hangs).
 */
export async function startFakeScp(status: () => number | undefined) {
  class FakeScp extends Scp {
    associationRequested(association: InstanceType<typeof dimse.association.Association>) {
      for (const { id } of association.getPresentationContexts()) {
        const context = association.getPresentationContext(id);
        context.setResult(constants.PresentationContextResult.Accept, context.getTransferSyntaxUids()[0]!);
      }
      this.sendAssociationAccept();
    }
    cStoreRequest(request: InstanceType<typeof dimse.requests.CStoreRequest>, callback: (response: InstanceType<typeof responses.CStoreResponse>) => void) {
      const answer = status();
      if (answer === undefined) return;
      const response = responses.CStoreResponse.fromRequest(request);
      response.setStatus(answer);
      callback(response);
    }
    associationReleaseRequested() {
      this.sendAssociationReleaseResponse();
    }
  }
  const server = new Server(FakeScp);
  server.listen(0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return { port, close: () => server.close() };
}
