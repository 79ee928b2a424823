import { buildImage, dockerArchive } from "./image-builder.ts";

/** The sandbox image skiff provides, so that pods start with no registry at all. */
export const defaultPauseImage = "docker.io/skiff/pause:3.10";

/**
 * The pause process, x86-64 machine code (assembled once from the listing beside each line):
 * block SIGCHLD, SIGTERM and SIGINT, wait for one, reap children on SIGCHLD, exit 0 on the
 * others. Upstream's pause does the same in C; as PID 1 it must handle these itself.
 */
const pauseAmd64 = Buffer.from(
  [
    "488d3557000000", //    lea rsi, [rip+set]
    "31ff31d2", //          xor edi, edi; xor edx, edx        (SIG_BLOCK, no old set)
    "41ba08000000", //      mov r10d, 8                       (sigset size)
    "b80e000000", //        mov eax, 14                       rt_sigprocmask
    "0f05", //              syscall
    "488d3d3f000000", // wait: lea rdi, [rip+set]
    "31f631d2", //          xor esi, esi; xor edx, edx        (no info, no timeout)
    "41ba08000000", //      mov r10d, 8
    "b880000000", //        mov eax, 128                      rt_sigtimedwait
    "0f05", //              syscall
    "83f811", //            cmp eax, 17                       SIGCHLD?
    "751c", //              jne other
    "bfffffffff", // reap:  mov edi, -1                       any child
    "31f6", //              xor esi, esi
    "ba01000000", //        mov edx, 1                        WNOHANG
    "4531d2", //            xor r10d, r10d
    "b83d000000", //        mov eax, 61                       wait4
    "0f05", //              syscall
    "85c07fe6", //          test eax, eax; jg reap
    "ebc7", //              jmp wait
    "85c078c3", // other:   test eax, eax; js wait            (interrupted: wait again)
    "31ff", //              xor edi, edi
    "b8e7000000", //        mov eax, 231                      exit_group(0)
    "0f05", //              syscall
    "0240010000000000", // set: SIGINT | SIGTERM | SIGCHLD
  ].join(""),
  "hex",
);

/** A static ELF64 executable: one header, one loadable segment holding the code. */
function elf64(code: Buffer, machine: number): Buffer {
  const base = 0x400000;
  const offset = 64 + 56;
  const h = Buffer.alloc(offset);
  h.write("\x7fELF", 0, "latin1");
  h.writeUInt8(2, 4); // 64-bit
  h.writeUInt8(1, 5); // little endian
  h.writeUInt8(1, 6); // ELF version
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(machine, 18);
  h.writeUInt32LE(1, 20);
  h.writeBigUInt64LE(BigInt(base + offset), 24); // entry
  h.writeBigUInt64LE(64n, 32); // program headers at 64
  h.writeUInt16LE(64, 52); // header size
  h.writeUInt16LE(56, 54); // program header size
  h.writeUInt16LE(1, 56); // one program header
  // PT_LOAD, readable + executable, the whole file at base.
  h.writeUInt32LE(1, 64);
  h.writeUInt32LE(5, 68);
  h.writeBigUInt64LE(0n, 72);
  h.writeBigUInt64LE(BigInt(base), 80);
  h.writeBigUInt64LE(BigInt(base), 88);
  h.writeBigUInt64LE(BigInt(offset + code.length), 96);
  h.writeBigUInt64LE(BigInt(offset + code.length), 104);
  h.writeBigUInt64LE(0x1000n, 112);
  return Buffer.concat([h, code]);
}

/** The pause image as a docker archive, or undefined on an architecture without a built-in one. */
export function pauseImageArchive(tag: string, arch: string = process.arch): Buffer | undefined {
  if (arch !== "x64") return undefined;
  const image = buildImage({
    layers: [[{ path: "pause", type: "file", data: elf64(pauseAmd64, 0x3e), mode: 0o755 }]],
    config: { Entrypoint: ["/pause"], User: "65535:65535" },
  });
  return dockerArchive(image, [tag]);
}
