package io.ertcp.jmh;

import io.ertcp.engine.replication.channel.AesGmac;
import io.ertcp.engine.replication.channel.HmacSha256;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.macs.GMac;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds and bytes allocated per replication frame for each candidate of the channel's MAC (docs/architecture.md
 * rule 8), over a frame that lives off-heap as the port's frames do: HMAC-SHA-256 through the JDK's {@link Mac}
 * (SHA-NI intrinsics where the CPU has them), AES-GMAC through the JDK's AES/GCM {@link Cipher} (AES-NI and
 * carry-less multiply intrinsics; a fresh {@link GCMParameterSpec} per frame, as its nonce changes), and
 * BouncyCastle's GMac and Poly1305-AES (pure Java; their nonce too enters through a parameter object per frame, and
 * they read a byte[] so the frame is copied once). Each MAC covers the whole frame; the nonce is the frame counter.
 * Run with {@code -prof gc}: the engine's hot path must show 0 B/op, which is why the engine's {@link AesGmac} calls the
 * JDK's GHASH itself instead of its allocating AES/GCM {@link Cipher}, and why {@link HmacSha256} (now the key
 * derivation only) exists (the JDK's {@code Mac.doFinal(byte[], int)} allocates the tag it then copies).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameMacBenchmark
{
    @Param({"64", "1500", "9000"})
    int frameBytes;

    private ByteBuffer frame;
    private final byte[] frameCopy = new byte[9000];
    private final byte[] tag = new byte[32];
    private final byte[] key = new byte[32];
    private final byte[] nonce12 = new byte[12];
    private final byte[] nonce16 = new byte[16];
    private final byte[] empty = new byte[0];
    private long counter;

    private Mac hmac;
    private HmacSha256 engineHmac;
    private Cipher gcm;
    private SecretKeySpec aesKey;
    private GMac bcGmac;
    private KeyParameter bcAesKey;
    private Poly1305 bcPoly1305;
    private KeyParameter bcPolyKey;
    private Poly1305 plainPoly1305;
    private org.bouncycastle.crypto.BlockCipher polyAes;
    private KeyParameter polyOneTimeKey;
    private UnsafeBuffer frameBuffer;
    private AesGmac ownAesGmac;

    @Setup
    public void setUp() throws GeneralSecurityException
    {
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < key.length; i++)
        {
            key[i] = (byte)random.nextInt();
        }
        frame = ByteBuffer.allocateDirect(frameBytes);
        for (int i = 0; i < frameBytes; i++)
        {
            frame.put(i, (byte)random.nextInt());
        }
        hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(key, "HmacSHA256"));
        engineHmac = new HmacSha256(key);
        gcm = Cipher.getInstance("AES/GCM/NoPadding");
        aesKey = new SecretKeySpec(key, 0, 16, "AES");
        bcGmac = new GMac(GCMBlockCipher.newInstance(AESEngine.newInstance()));
        bcAesKey = new KeyParameter(key, 0, 16);
        bcPoly1305 = new Poly1305(AESEngine.newInstance());
        // Poly1305-AES: 16 bytes of AES key then 16 of r (clamped by init).
        bcPolyKey = new KeyParameter(key);
        plainPoly1305 = new Poly1305();
        polyAes = AESEngine.newInstance();
        polyAes.init(true, new KeyParameter(key, 0, 16));
        final byte[] oneTime = new byte[32];
        System.arraycopy(key, 16, oneTime, 0, 16);
        polyOneTimeKey = new KeyParameter(oneTime);
        frameBuffer = new UnsafeBuffer(frame);
        ownAesGmac = new AesGmac(java.util.Arrays.copyOf(key, 16), 9000);
    }

    private void nextNonce()
    {
        final long n = ++counter;
        for (int i = 0; i < 8; i++)
        {
            nonce12[4 + i] = (byte)(n >>> (8 * i));
            nonce16[8 + i] = (byte)(n >>> (8 * i));
        }
    }

    /** One Mac initialised once; update(ByteBuffer) reads the direct buffer (the JDK copies it into an array). */
    @Benchmark
    public byte hmacSha256Truncated() throws GeneralSecurityException
    {
        frame.clear();
        hmac.update(frame);
        hmac.doFinal(tag, 0);
        return tag[15];
    }

    /** The frame copied into one scratch array, then update(byte[]): doFinal(byte[], int) still allocates the tag. */
    @Benchmark
    public byte hmacSha256TruncatedFromArray() throws GeneralSecurityException
    {
        frame.clear();
        frame.get(0, frameCopy, 0, frameBytes);
        hmac.update(frameCopy, 0, frameBytes);
        hmac.doFinal(tag, 0);
        return tag[15];
    }

    /** The engine's choice: {@link HmacSha256}, HMAC over the JDK's SHA-256 MessageDigest, writing into our array. */
    @Benchmark
    public byte hmacSha256OverMessageDigest()
    {
        frame.clear();
        frame.get(0, frameCopy, 0, frameBytes);
        engineHmac.mac(frameCopy, 0, frameBytes, tag, 0);
        return tag[15];
    }

    /**
     * Poly1305-AES without a parameter object per frame: the nonce encrypted with AES (BouncyCastle's engine, into an
     * array) is written into the one KeyParameter's key, whose r half stays, and the plain Poly1305 re-keyed from it.
     */
    @Benchmark
    public byte bouncyCastlePoly1305AesReused()
    {
        nextNonce();
        final byte[] oneTimeKey = polyOneTimeKey.getKey();
        polyAes.processBlock(nonce16, 0, oneTimeKey, 16);
        plainPoly1305.init(polyOneTimeKey);
        frame.clear();
        frame.get(0, frameCopy, 0, frameBytes);
        plainPoly1305.update(frameCopy, 0, frameBytes);
        plainPoly1305.doFinal(tag, 0);
        return tag[15];
    }

    /** GMAC: the frame as additional data of an empty AES-GCM encryption, a new nonce per frame. */
    @Benchmark
    public byte jdkAesGmac() throws GeneralSecurityException
    {
        nextNonce();
        gcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nonce12));
        frame.clear();
        gcm.updateAAD(frame);
        gcm.doFinal(empty, 0, 0, tag, 0);
        return tag[15];
    }

    @Benchmark
    public byte bouncyCastleGmac()
    {
        nextNonce();
        bcGmac.init(new ParametersWithIV(bcAesKey, nonce12));
        frame.clear();
        frame.get(0, frameCopy, 0, frameBytes);
        bcGmac.update(frameCopy, 0, frameBytes);
        bcGmac.doFinal(tag, 0);
        return tag[15];
    }

    @Benchmark
    public byte bouncyCastlePoly1305Aes()
    {
        nextNonce();
        bcPoly1305.init(new ParametersWithIV(bcPolyKey, nonce16));
        frame.clear();
        frame.get(0, frameCopy, 0, frameBytes);
        bcPoly1305.update(frameCopy, 0, frameBytes);
        bcPoly1305.doFinal(tag, 0);
        return tag[15];
    }

    /**
     * The engine's MAC ({@link AesGmac}): GHASH through the JDK's carry-less-multiply stub over a copy of the
     * off-heap frame, masked with one AES block of the nonce.
     */
    @Benchmark
    public long ownAesGmac()
    {
        ownAesGmac.mac(frameBuffer, 0, frameBytes, 1_000L, ++counter);
        return ownAesGmac.tagLow();
    }
}
